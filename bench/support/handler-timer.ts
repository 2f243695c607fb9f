/** Wraps a handler so each invocation's duration (what Lambda would bill, before rounding) is recorded. */
export function timed<A extends unknown[], R>(
  handler: (...args: A) => Promise<R>,
  samples: number[],
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const started = performance.now();
    try {
      return await handler(...args);
    } finally {
      samples.push(performance.now() - started);
    }
  };
}
