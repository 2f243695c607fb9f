/** What local mode started, stopped again in reverse order (on Ctrl-C, or when a later start-up step fails). */
export interface StopStack {
  push(stop: () => Promise<void>): void;
  /** Stops everything pushed so far, newest first; a failing stop is logged and the rest still run. */
  stopAll(): Promise<void>;
}

export function stopStack(onError: (message: string, error: unknown) => void): StopStack {
  const stops: (() => Promise<void>)[] = [];
  return {
    push: (stop) => {
      stops.push(stop);
    },
    stopAll: async () => {
      for (let stop = stops.pop(); stop; stop = stops.pop()) {
        await stop().catch((error: unknown) => onError("stopping a local service failed", error));
      }
    },
  };
}
