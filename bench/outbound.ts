export interface OutboundOptions {
  readonly runs: number;
  readonly messages: number;
}

export const defaultOutboundOptions: OutboundOptions = { runs: 3, messages: 200 };

export interface OutboundRow {
  readonly messages: number;
  readonly sendsPerSecond: number;
  readonly dynamoRequestsPerMessage: number;
  readonly dynamoWriteUnitsPerMessage: number;
  readonly sqsRequestsPerMessage: number;
  readonly byOperationPerMessage: Record<string, number>;
  readonly runs: { sendsPerSecond: number[] };
}

/** Outbound sends/s through the sender against the Meta simulator. */
export async function outbound(_options: OutboundOptions = defaultOutboundOptions): Promise<OutboundRow[]> {
  throw new Error("the sender is not built yet");
}
