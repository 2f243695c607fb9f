/** How often, and how patiently, safe calls are repeated. Defaults: 3 attempts, 200 ms doubling, at most 2 s. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 2_000 };

/** Answers worth another try: throttled, or the service (or a dependency) briefly unavailable. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

/**
 * Only calls that cannot do a thing twice are repeated: reads, and sends carrying an `Idempotency-Key` (the API
 * answers a repeat with the first result). Connecting and disconnecting are never retried.
 */
function isSafeToRepeat(request: Request): boolean {
  return request.method === "GET" || (request.method === "POST" && request.headers.has("idempotency-key"));
}

/** Full-jitter exponential backoff, bounded; a server's `Retry-After` (seconds) wins when it is shorter than the cap. */
function delayMs(policy: RetryPolicy, attempt: number, response: Response | undefined): number {
  const retryAfter = Number(response?.headers.get("retry-after"));
  if (Number.isFinite(retryAfter) && retryAfter > 0) return Math.min(retryAfter * 1000, policy.maxDelayMs);
  const ceiling = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.random() * ceiling;
}

/** Wraps a fetch so that safe calls are repeated on network errors and retryable statuses, within the policy. */
export function retryingFetch(
  send: (request: Request) => Promise<Response>,
  policy: RetryPolicy,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((done) => setTimeout(done, ms)),
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (!isSafeToRepeat(request) || policy.attempts <= 1) return send(request);
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= policy.attempts;
      let response: Response | undefined;
      try {
        // Each attempt sends a copy: a body can be read only once.
        response = await send(last ? request : request.clone());
      } catch (error) {
        if (last) throw error;
      }
      if (response && (last || !RETRYABLE_STATUSES.has(response.status))) return response;
      await response?.body?.cancel();
      await sleep(delayMs(policy, attempt, response));
    }
  };
}
