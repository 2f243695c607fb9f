import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeRuns, encodeRuns } from "../../lambdas/adapters/dynamo/send-limiter";
import {
  EMPTY_LIMITER,
  HOUR_MS,
  type LimiterState,
  limiterPolicy,
  pauseLimiter,
  reserveSlot,
  slotUsable,
} from "../../lambdas/domain/outbound/limiter";
import { backoffMs, DEFAULT_RETRY } from "../../lambdas/domain/outbound/retry";

/** Largest number of times inside any half-open window [t, t + window). */
function maxInWindow(times: readonly number[], window: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= window) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

describe("send-cap limiter (reservation log)", () => {
  it("a backlog of 1,000 at 200/hour: bursts of 200, one window apart, done in about four hours", () => {
    const policy = limiterPolicy(200);
    let state: LimiterState = EMPTY_LIMITER;
    const slots: number[] = [];
    for (let i = 0; i < 1000; i += 1) {
      const reserved = reserveSlot(state, 0, policy);
      state = reserved.state;
      slots.push(reserved.slot);
    }
    expect(maxInWindow(slots, HOUR_MS)).toBe(200);
    expect(Math.max(...slots)).toBe(4 * (HOUR_MS + policy.graceMs));
    expect(state.runs).toHaveLength(5);
    expect(slots).toEqual([...slots].sort((a, b) => a - b));
  });

  it("property: sends anywhere inside their grace never put more than the cap in any rolling hour", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 20 * 60_000 }), fc.double({ min: 0, max: 0.999, noNaN: true })),
          {
            minLength: 1,
            maxLength: 120,
          },
        ),
        (cap, steps) => {
          const policy = { cap, windowMs: 10 * 60_000, graceMs: 30_000 };
          let state: LimiterState = EMPTY_LIMITER;
          let now = 0;
          const sends: number[] = [];
          for (const [gap, lateness] of steps) {
            now += gap;
            const reserved = reserveSlot(state, now, policy);
            state = reserved.state;
            expect(reserved.slot).toBeGreaterThanOrEqual(now);
            // The sender sends at any moment inside [slot, slot + grace).
            sends.push(reserved.slot + Math.floor(lateness * policy.graceMs));
          }
          expect(maxInWindow(sends, policy.windowMs)).toBeLessThanOrEqual(cap);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("drains at the cap: with a steady backlog, each window holds exactly the cap", () => {
    const policy = limiterPolicy(3);
    let state: LimiterState = EMPTY_LIMITER;
    const slots: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      const r = reserveSlot(state, i * 1000, policy);
      state = r.state;
      slots.push(r.slot);
    }
    const spacing = policy.windowMs + policy.graceMs;
    expect(slots).toEqual([
      0,
      1000,
      2000,
      spacing,
      spacing + 1000,
      spacing + 2000,
      2 * spacing,
      2 * spacing + 1000,
      2 * spacing + 2000,
    ]);
  });

  it("a pause pushes every new slot past it, and a slot inside the pause is no longer usable", () => {
    const policy = limiterPolicy(200);
    const paused = pauseLimiter(EMPTY_LIMITER, 5 * 60_000);
    expect(reserveSlot(paused, 0, policy).slot).toBe(5 * 60_000);
    expect(slotUsable(0, 1000, policy, paused)).toBe(false);
    expect(slotUsable(0, 1000, policy, EMPTY_LIMITER)).toBe(true);
    expect(slotUsable(0, policy.graceMs, policy, EMPTY_LIMITER)).toBe(false);
    expect(slotUsable(2000, 1000, policy, EMPTY_LIMITER)).toBe(false);
  });

  it("notBefore (a retry's backoff) is honoured", () => {
    expect(reserveSlot(EMPTY_LIMITER, 1000, limiterPolicy(200), 9000).slot).toBe(9000);
  });

  it("old slots are pruned so the stored log stays small", () => {
    const policy = limiterPolicy(200);
    let state: LimiterState = EMPTY_LIMITER;
    for (let i = 0; i < 50; i += 1) state = reserveSlot(state, i * 10 * 60_000, policy).state;
    expect(state.runs.length).toBeLessThanOrEqual(7);
  });

  it("the stored encoding round-trips and is compact", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4_000_000 }), fc.integer({ min: 1, max: 500 })), {
          maxLength: 50,
        }),
        (pairs) => {
          let at = 1_764_000_000_000;
          const runs = pairs.map(([gap, count]) => {
            at += gap;
            return [at, count] as const;
          });
          expect(decodeRuns(encodeRuns(runs))).toEqual(runs);
        },
      ),
    );
    const hour = Array.from({ length: 200 }, (_, i) => [1_764_000_000_000 + i * 18_000, 1] as const);
    expect(encodeRuns(hour).length).toBeLessThan(1200);
  });

  it("backoff grows, is capped and jittered within [half, full]", () => {
    expect(backoffMs(1, DEFAULT_RETRY, () => 0)).toBe(DEFAULT_RETRY.baseDelayMs / 2);
    expect(backoffMs(1, DEFAULT_RETRY, () => 1)).toBe(DEFAULT_RETRY.baseDelayMs);
    expect(backoffMs(3, DEFAULT_RETRY, () => 1)).toBe(DEFAULT_RETRY.baseDelayMs * 4);
    expect(backoffMs(30, DEFAULT_RETRY, () => 1)).toBe(DEFAULT_RETRY.maxDelayMs);
  });
});
