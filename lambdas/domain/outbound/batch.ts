import type { LimiterState } from "./limiter";
import type { SendLimiter } from "./ports";
import { APP_WIDE_LIMITER } from "./retry";
import { processRecord, type QueueRecord, type RecordOutcome, type SenderDeps } from "./send";

/** An unexpected error (a dependency down): the record comes back after this long. */
export const ERROR_RETRY_MS = 30_000;

export interface BatchOptions {
  /**
   * Epoch ms after which no record starts (it is deferred to now and comes straight back): a record started
   * before it finishes before the function's timeout, so no send is cut off mid-way (docs/outbound.md, sizing).
   */
  readonly startBefore?: number;
}

/**
 * Handles a batch: conversations (FIFO groups) concurrently, each one's records strictly in order. Once a record
 * of a group is deferred, the later records of the same group are deferred with it (never sent ahead of it), so
 * an invocation lasts about as long as its slowest conversation, not the sum of its records. A pause one record
 * sets (Meta's throttle) is seen by the records that start after it; ones already past their checks still call
 * Meta, as records in concurrent invocations always could.
 */
export async function processBatch(
  records: readonly QueueRecord[],
  deps: SenderDeps,
  options: BatchOptions = {},
): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = [];
  const groups = new Map<string, number[]>();
  for (const [index, record] of records.entries()) {
    const indexes = groups.get(record.group) ?? [];
    indexes.push(index);
    groups.set(record.group, indexes);
  }
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      let blockedUntil: number | undefined;
      for (const index of indexes) {
        const record = records[index];
        if (record === undefined) continue;
        const outcome: RecordOutcome =
          blockedUntil !== undefined
            ? { kind: "defer", until: blockedUntil, result: "behind_earlier_message" }
            : options.startBefore !== undefined && deps.now() >= options.startBefore
              ? { kind: "defer", until: deps.now(), result: "out_of_time" }
              : await processRecord(record, deps).catch(() => ({
                  kind: "defer" as const,
                  until: deps.now() + ERROR_RETRY_MS,
                  result: "error",
                }));
        if (outcome.kind === "defer") blockedUntil = Math.max(outcome.until, blockedUntil ?? 0);
        outcomes[index] = outcome;
      }
    }),
  );
  return outcomes;
}

/** How long a sender instance trusts the app-wide limiter state it read. */
export const APP_WIDE_STATE_TTL_MS = 1_000;

/**
 * The limiter with the app-wide state (Meta's code 4, `APP_WIDE_LIMITER`) read at most once per `ttlMs` per
 * sender instance. It is the one item every send reads: uncached, a backlog drained by 400 instances reads it
 * thousands of times a second, past DynamoDB's 3,000 strongly consistent reads/s on one partition
 * (docs/performance.md, "Sizing the sender"); cached, at most one read per instance per second. A pause this
 * instance sets is seen at once; one set elsewhere within `ttlMs` (a code 4 costs a few refused calls at most).
 */
export function cachingAppWideState(
  limiter: SendLimiter,
  now: () => number,
  ttlMs = APP_WIDE_STATE_TTL_MS,
): SendLimiter {
  let cached: { state: Promise<LimiterState>; readAt: number } | undefined;
  return {
    state(igAccountId) {
      if (igAccountId !== APP_WIDE_LIMITER) return limiter.state(igAccountId);
      if (cached === undefined || now() - cached.readAt >= ttlMs) {
        const entry = { state: limiter.state(igAccountId), readAt: now() };
        cached = entry;
        // A failed read is not kept: the next record reads again.
        entry.state.catch(() => {
          if (cached === entry) cached = undefined;
        });
      }
      return cached.state;
    },
    reserve: (igAccountId, at, notBefore) => limiter.reserve(igAccountId, at, notBefore),
    async pause(igAccountId, until) {
      await limiter.pause(igAccountId, until);
      if (igAccountId === APP_WIDE_LIMITER) cached = undefined;
    },
  };
}
