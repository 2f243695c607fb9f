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
 * Four attempts keep the worst case of queue receives per message (one wait for the cap, one per attempt)
 * well inside the DLQ's maxReceiveCount of 10; see docs/outbound.md.
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
