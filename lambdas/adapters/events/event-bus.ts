import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { type AppEvent, EVENT_SOURCE } from "../../contract/events";
import { traced } from "../../platform/tracer";

/** Where events go: the EventBridge bus in AWS, the in-process stand-in in local mode and tests. */
export interface EventPublisher {
  /** Publishes every event or throws; a partial failure throws too (the caller retries the whole change). */
  publish(events: readonly AppEvent[]): Promise<void>;
}

/** PutEvents takes at most 10 entries per call. */
const PUT_EVENTS_MAX = 10;

export function eventBridgeClient(): EventBridgeClient {
  return traced(new EventBridgeClient({}));
}

/** Publishes to a custom bus: `source` instagram-dm, `detail-type` the event type, `detail` the event. */
export function eventBridgePublisher(client: EventBridgeClient, busName: string): EventPublisher {
  return {
    async publish(events) {
      for (let start = 0; start < events.length; start += PUT_EVENTS_MAX) {
        const batch = events.slice(start, start + PUT_EVENTS_MAX);
        const result = await client.send(
          new PutEventsCommand({
            Entries: batch.map((event) => ({
              EventBusName: busName,
              Source: EVENT_SOURCE,
              DetailType: event.type,
              Detail: JSON.stringify(event),
              Time: new Date(event.occurredAt),
            })),
          }),
        );
        // Republishing the whole change on retry is safe: ids are deterministic, consumers dedupe by id.
        if ((result.FailedEntryCount ?? 0) > 0) {
          const codes = (result.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : []));
          throw new Error(`EventBridge refused ${result.FailedEntryCount} event(s): ${codes.join(", ")}`);
        }
      }
    },
  };
}
