import { OutboundQueue } from "../../contract/queues";

/**
 * Retry policy for sends that failed transiently (Meta codes 1/2, 5xx, timeouts): exponential backoff with
 * jitter, bounded. After `maxAttempts` Meta calls the message fails with `retries_exhausted` and goes to the DLQ.
 */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Four real Meta calls (`attempts` on the message item, counted by `queued → sending`), not queue receives: a
 * receive that only waits (the cap, a Meta pause, an account stop) costs no attempt; see docs/outbound.md.
 */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 5_000, maxDelayMs: 5 * 60_000 };

/** Delay before attempt `attempts + 1`: base·2^(attempts−1), capped, with "equal jitter" (half fixed, half random). */
export function backoffMs(attempts: number, policy: RetryPolicy, random: () => number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential / 2 + (exponential / 2) * random());
}

/** Pause of the whole account after Meta rate-limited it, when Meta does not say how long. */
export const DEFAULT_RATE_LIMIT_PAUSE_MS = 5 * 60_000;

/**
 * After Meta refused every send of an account (10/1893063, 100/2534029) the account's queue waits this long,
 * then one message probes again. Meta gives no duration for either, so one probe an hour keeps the calls a
 * restricted account makes negligible while a lifted restriction is noticed within the hour.
 */
export const RESTRICTION_PROBE_MS = 60 * 60_000;

/** The limiter key of the app-wide pause (Meta code 4: the app's own limit, every account waits). */
export const APP_WIDE_LIMITER = "*app";

/**
 * The longest a message may wait on the queue (for the cap, Meta's pauses, an account stop): a day less than the
 * queue's retention, so SQS never silently drops a message our table still shows `queued`. A message older than
 * this that would wait again fails explicitly and is dead-lettered.
 */
export const MAX_QUEUED_MS = (OutboundQueue.retentionSeconds - 24 * 3600) * 1000;

/**
 * The receive budget of a record that would wait once more. Waiting is not an attempt: a record is given up only
 * when it has waited longer than MAX_QUEUED_MS since the message was accepted, or when its next receive would be
 * the queue's last (SQS would dead-letter it silently; `maxReceiveCount` is set so that only a record failing for
 * another reason — a dependency down on every receive — gets there within MAX_QUEUED_MS, docs/outbound.md).
 * Real send attempts are bounded separately, by `RetryPolicy.maxAttempts` on the message's `attempts`.
 */
export function waitBudgetSpent(input: {
  readonly receiveCount: number;
  readonly maxReceiveCount: number;
  readonly acceptedAt: number;
  readonly now: number;
}): boolean {
  return input.receiveCount >= input.maxReceiveCount - 1 || input.now - input.acceptedAt >= MAX_QUEUED_MS;
}
