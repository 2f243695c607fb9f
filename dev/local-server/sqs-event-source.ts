import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from "aws-lambda";

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined | null>;

export interface SqsEventSourceOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly batchSize: number;
  /** Pollers running at once, each invoking the function with its own batch (Lambda scales pollers likewise). */
  readonly pollers: number;
  readonly waitTimeSeconds: number;
  /** Loads the function lazily (handlers read env at module load). */
  readonly loadHandler: () => Promise<SqsHandler>;
  readonly context: () => Context;
  readonly onError: (message: string, error: unknown) => void;
  readonly onBatch?: (summary: { received: number; failed: number }) => void;
}

export interface SqsEventSource {
  stop(): Promise<void>;
}

function recordAttributes(message: Message): SQSRecord["attributes"] {
  const attributes = message.Attributes ?? {};
  return {
    ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? "1",
    SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
    SenderId: attributes.SenderId ?? "000000000000",
    ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
    ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
    ...(attributes.MessageDeduplicationId
      ? { MessageDeduplicationId: attributes.MessageDeduplicationId }
      : {}),
  };
}

function recordMessageAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    out[name] = {
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined
        ? {}
        : { binaryValue: Buffer.from(value.BinaryValue).toString("base64") }),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((item) => Buffer.from(item).toString("base64")),
      dataType: value.DataType ?? "String",
    };
  }
  return out;
}

/** An SQS event as Lambda's event source mapping builds it from received messages. */
export function toSqsEvent(messages: readonly Message[], queueArn: string, region: string): SQSEvent {
  return {
    Records: messages.map((message) => ({
      messageId: message.MessageId ?? "",
      receiptHandle: message.ReceiptHandle ?? "",
      body: message.Body ?? "",
      attributes: recordAttributes(message),
      messageAttributes: recordMessageAttributes(message.MessageAttributes),
      md5OfBody: message.MD5OfBody ?? "",
      ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
      eventSource: "aws:sqs",
      eventSourceARN: queueArn,
      awsRegion: region,
    })),
  };
}

/**
 * Which records to delete after an invocation, with Lambda's partial batch response rules (ReportBatchItemFailures):
 * a thrown error or a malformed response fails the whole batch; otherwise every record not listed succeeded.
 */
export function succeededRecords(
  records: readonly SQSRecord[],
  outcome: { result: unknown } | { error: unknown },
) {
  if ("error" in outcome) return [];
  const result = outcome.result;
  if (result === undefined || result === null) return [...records];
  if (typeof result !== "object" || !("batchItemFailures" in result)) return [...records];
  const failures = (result as SQSBatchResponse).batchItemFailures;
  if (failures === undefined || failures === null) return [...records];
  if (!Array.isArray(failures)) return [];
  const known = new Set(records.map((record) => record.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    // Lambda treats an empty, missing or unknown identifier as a failure of the whole batch.
    if (typeof id !== "string" || id === "" || !known.has(id)) return [];
    failed.add(id);
  }
  return records.filter((record) => !failed.has(record.messageId));
}

/**
 * Runs a function on an SQS queue the way Lambda's event source mapping does: long-polls batches, invokes the
 * function, deletes the records it did not report as failed, and leaves failures to reappear after the
 * visibility timeout (receive counts and the DLQ redrive are the queue's, here fauxqs's, business).
 */
export function startSqsEventSource(options: SqsEventSourceOptions): SqsEventSource {
  const abort = new AbortController();
  let handler: SqsHandler | undefined;

  async function invoke(messages: Message[]): Promise<void> {
    const event = toSqsEvent(messages, options.queueArn, options.region);
    let outcome: { result: unknown } | { error: unknown };
    try {
      handler ??= await options.loadHandler();
      outcome = { result: await handler(event, options.context()) };
    } catch (error) {
      options.onError("sender invocation failed; the batch stays on the queue", error);
      outcome = { error };
    }
    const done = succeededRecords(event.Records, outcome);
    if (done.length > 0) {
      const deleted = await options.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      if (deleted.Failed && deleted.Failed.length > 0) {
        options.onError(`could not delete ${deleted.Failed.length} processed record(s)`, deleted.Failed);
      }
    }
    options.onBatch?.({ received: messages.length, failed: messages.length - done.length });
  }

  async function poll(): Promise<void> {
    while (!abort.signal.aborted) {
      try {
        const received = await options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize,
            WaitTimeSeconds: options.waitTimeSeconds,
            MessageSystemAttributeNames: ["All"],
            MessageAttributeNames: ["All"],
          }),
          { abortSignal: abort.signal },
        );
        if (received.Messages && received.Messages.length > 0) await invoke(received.Messages);
      } catch (error) {
        if (abort.signal.aborted) return;
        options.onError("polling the outbound queue failed; retrying", error);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  const loops = Array.from({ length: options.pollers }, () => poll());
  return {
    async stop() {
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
}
