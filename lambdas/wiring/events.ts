import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import type { EventPublisher } from "../adapters/events/event-bus";
import { storedChangeOf } from "../adapters/events/stream-records";
import type { AppEvent } from "../contract/events";
import { deriveEvents, type MessageViewer } from "../domain/events/derive";

export interface EventsDependencies {
  readonly publisher: EventPublisher;
  readonly view: MessageViewer;
  readonly log: (message: string, extra: Record<string, unknown>) => void;
}

/**
 * The `events` function's work on one batch of stream records, in stream order. A record whose events cannot be
 * published stops the batch there and is reported as the first failure, so Lambda redelivers from it: nothing
 * after it is published out of order, nothing before it is published twice by this invocation, and a
 * redelivery yields the same ids (derived from the record's sequence number).
 */
export async function publishChanges(
  records: readonly DynamoDBRecord[],
  deps: EventsDependencies,
): Promise<DynamoDBBatchResponse & { published: AppEvent[] }> {
  const published: AppEvent[] = [];
  for (const record of records) {
    const sequence = record.dynamodb?.SequenceNumber ?? "";
    try {
      const events = deriveEvents(storedChangeOf(record), deps.view);
      if (events.length > 0) await deps.publisher.publish(events);
      published.push(...events);
    } catch (error) {
      deps.log("events: publishing failed, the batch resumes from this record", {
        sequence,
        error: error instanceof Error ? error.message : String(error),
      });
      return { batchItemFailures: [{ itemIdentifier: sequence }], published };
    }
  }
  return { batchItemFailures: [], published };
}
