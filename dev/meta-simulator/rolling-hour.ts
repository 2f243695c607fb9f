const HOUR_MS = 60 * 60 * 1000;

/**
 * The most timestamps inside any rolling 60-minute window: the oracle that checks the send cap.
 * Kept apart from the limiter it checks, so a bug in one cannot hide in the other.
 */
export function maxInAnyHour(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= HOUR_MS) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
