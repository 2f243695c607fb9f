import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import type { IntegrationOwners } from "../adapters/dynamo/integration-owner";
import type { EventPublisher } from "../adapters/events/event-bus";
import { storedChangeOf } from "../adapters/events/stream-records";
import type { AppEvent } from "../contract/events";
import { deriveEvents, type MessageViewer, type StoredChange } from "../domain/events/derive";
import { indexChange, type WindowIndexStore } from "../domain/events/window-closing";

export interface EventsDependencies {
  readonly publisher: EventPublisher;
  readonly view: MessageViewer;
  readonly log: (message: string, extra: Record<string, unknown>) => void;
  /** Names the app user of events whose item does not (inbound messages, window closing). */
  readonly owners?: IntegrationOwners;
  /** Keeps the window-closing index current from conversation writes. */
  readonly windows?: WindowIndexStore;
}

/**
 * The `events` function's work on one batch of stream records, in stream order. A record whose events cannot be
 * published (or whose window-index upkeep fails) stops the batch there and is reported as the first failure, so
 * Lambda redelivers from it: nothing after it is published out of order, nothing before it is published twice by
 * this invocation, and a redelivery yields the same ids (derived from the record's sequence number).
 */
export async function publishChanges(
  records: readonly DynamoDBRecord[],
  deps: EventsDependencies,
): Promise<DynamoDBBatchResponse & { published: AppEvent[] }> {
  const published: AppEvent[] = [];
  const owners = new Map<string, Promise<string | undefined>>();
  const ownerOf = (imoId: string, igAccountId: string) => {
    const key = `${imoId}#${igAccountId}`;
    let owner = owners.get(key);
    if (owner === undefined && deps.owners) {
      owner = deps.owners(imoId, igAccountId);
      owners.set(key, owner);
    }
    return owner ?? Promise.resolve(undefined);
  };

  for (const record of records) {
    const sequence = record.dynamodb?.SequenceNumber ?? "";
    try {
      const change = storedChangeOf(record);
      const events = await withUserIds(deriveEvents(change, deps.view), ownerOf);
      if (events.length > 0) await deps.publisher.publish(events);
      published.push(...events);
      await keepWindowIndex(change, deps.windows);
    } catch (error) {
      deps.log("events: publishing failed, the batch resumes from this record", {
        sequence,
        error: error instanceof Error ? error.message : String(error),
      });
      owners.clear();
      return { batchItemFailures: [{ itemIdentifier: sequence }], published };
    }
  }
  return { batchItemFailures: [], published };
}

/**
 * Inbound items name the organisation only (the webhook routes by account); the user is the one whose
 * integration of the account the organisation holds, read once per batch and account.
 */
async function withUserIds(
  events: AppEvent[],
  ownerOf: (imoId: string, igAccountId: string) => Promise<string | undefined>,
): Promise<AppEvent[]> {
  return Promise.all(
    events.map(async (event) => {
      if (event.userId !== undefined || event.imoId === "*" || !("igAccountId" in event.data)) return event;
      const userId = await ownerOf(event.imoId, event.data.igAccountId);
      return userId === undefined ? event : { ...event, userId };
    }),
  );
}

async function keepWindowIndex(change: StoredChange, windows: WindowIndexStore | undefined): Promise<void> {
  if (windows === undefined || change.new?.kind !== "conversation") return;
  const { watch } = change.new;
  await windows.apply(change.key, watch, indexChange(watch, change.committedAt));
}
