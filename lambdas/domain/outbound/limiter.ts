/**
 * The per-account send cap as a reservation log: every send first reserves a slot (a time), and slots are
 * handed out so that no rolling window ever holds more than `cap` of them.
 *
 * Why reservations: a message that must wait learns *when* it may go, parks itself on the queue until then
 * (visibility timeout) and comes back exactly once, so waiting for the cap costs one receive and no attempt.
 *
 * Invariant (proved by the unit tests, relied on by docs/outbound.md): slots are handed out in non-decreasing
 * order and every slot is at least `windowMs + graceMs` after the slot `cap` positions before it. A send
 * happens in `[slot, slot + graceMs)` (the sender re-reserves a slot it is late for), so two sends `cap`
 * positions apart are at least `windowMs` apart: no window of `windowMs` holds more than `cap` sends.
 */
export interface LimiterPolicy {
  /** Sends allowed per window (SEND_CAP_PER_HOUR). */
  readonly cap: number;
  /** The rolling window: one hour. */
  readonly windowMs: number;
  /** How late after its slot a message may still send; later, it must reserve again. */
  readonly graceMs: number;
}

export const HOUR_MS = 60 * 60 * 1000;

/** Time the probe after a pause has to get Meta's answer before the account's next slot (the send timeout is 10 s). */
export const PROBE_GAP_MS = 30_000;

/**
 * Default grace: 30 s covers the queue's redelivery after a visibility timeout ends (whole seconds, rounded up)
 * and the poller's pick-up — the scale model measures ≈ 1 s at p99. The grace is also the cap's only loss: an
 * account at the cap sends `cap` per (window + grace), 99.2 % of the cap with 30 s (98.4 % with a minute).
 */
export function limiterPolicy(cap: number): LimiterPolicy {
  return { cap, windowMs: HOUR_MS, graceMs: 30_000 };
}

/** A run of `count` slots at the same time (a backlog reserves many slots at one instant). */
export type SlotRun = readonly [at: number, count: number];

/** The stored state of one account's limiter. Runs are sorted by time, oldest first. */
export interface LimiterState {
  readonly runs: readonly SlotRun[];
  /** Meta rate-limited the account: no slot before this. */
  readonly pausedUntil?: number;
}

export const EMPTY_LIMITER: LimiterState = { runs: [] };

/** Drops slots too old to constrain any slot that can still be handed out (they are ≤ now − spacing). */
function prune(runs: readonly SlotRun[], now: number, spacing: number): SlotRun[] {
  return runs.filter(([at]) => at > now - spacing);
}

/** Time of the slot `back` positions from the end (1 = the last), or undefined if there are fewer. */
function slotFromEnd(runs: readonly SlotRun[], back: number): number | undefined {
  let remaining = back;
  for (let i = runs.length - 1; i >= 0; i -= 1) {
    const run = runs[i];
    if (run === undefined) continue;
    if (remaining <= run[1]) return run[0];
    remaining -= run[1];
  }
  return undefined;
}

/**
 * Reserves the earliest slot at or after `max(now, notBefore)` that keeps the invariant, and returns it with
 * the new state. Pure: the adapter stores the state with a conditional write and retries on a race.
 */
export function reserveSlot(
  state: LimiterState,
  now: number,
  policy: LimiterPolicy,
  notBefore = now,
): { slot: number; state: LimiterState } {
  const spacing = policy.windowMs + policy.graceMs;
  const runs = prune(state.runs, now, spacing);
  const last = runs[runs.length - 1];
  const capBack = slotFromEnd(runs, policy.cap);
  let slot = Math.max(
    now,
    notBefore,
    state.pausedUntil ?? 0,
    last?.[0] ?? 0,
    capBack === undefined ? 0 : capBack + spacing,
  );
  // After a pause the first slot is a probe, alone: the next waits PROBE_GAP_MS for its answer, so an account
  // Meta still throttles or restricts costs one call per pause, not one per waiting sender.
  const pausedUntil0 = state.pausedUntil;
  if (
    pausedUntil0 !== undefined &&
    pausedUntil0 > now &&
    slot < pausedUntil0 + PROBE_GAP_MS &&
    (last?.[0] ?? 0) >= pausedUntil0
  ) {
    slot = pausedUntil0 + PROBE_GAP_MS;
  }
  const next: SlotRun[] =
    last !== undefined && last[0] === slot
      ? [...runs.slice(0, -1), [slot, last[1] + 1]]
      : [...runs, [slot, 1]];
  const pausedUntil =
    state.pausedUntil !== undefined && state.pausedUntil > now ? state.pausedUntil : undefined;
  return { slot, state: { runs: next, ...(pausedUntil === undefined ? {} : { pausedUntil }) } };
}

/** Whether a reserved slot may be used now: not early, and not so late that the invariant no longer covers it. */
export function slotUsable(slot: number, now: number, policy: LimiterPolicy, state: LimiterState): boolean {
  const paused = state.pausedUntil !== undefined && state.pausedUntil > now;
  return !paused && slot <= now && now < slot + policy.graceMs;
}

/** Pushes the whole account back after Meta rate-limited it; later reservations start after `until`. */
export function pauseLimiter(state: LimiterState, until: number): LimiterState {
  return { ...state, pausedUntil: Math.max(state.pausedUntil ?? 0, until) };
}
