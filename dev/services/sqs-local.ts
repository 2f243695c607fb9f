import { startFauxqs } from "fauxqs";

export interface SqsLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Starts fauxqs, a local SQS server that honours FIFO group locking, visibility and receive counts. */
export async function startSqsLocal(options: { port?: number } = {}): Promise<SqsLocal> {
  const server = await startFauxqs({ port: options.port ?? 0, logger: false });
  return { endpoint: server.address, stop: () => server.stop() };
}
