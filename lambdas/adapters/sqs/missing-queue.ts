/**
 * A queue port for where the queue's URL is not configured: queuing fails loudly, naming the variable, rather than
 * pretending the job was queued. Fits every port whose only method is `enqueue`.
 */
export function missingQueue(envName: string, jobs: string) {
  return {
    enqueue: (): Promise<never> =>
      Promise.reject(new Error(`${envName} is not set: ${jobs} cannot be queued`)),
  };
}
