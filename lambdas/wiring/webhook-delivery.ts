import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import type { PostResult, WebhookPoster } from "../adapters/events/webhook-sender";
import type { RetryLater } from "../adapters/sqs/retry-later";
import { AppEvent } from "../contract/events";
import { outcomeOf, retryDelaySeconds } from "../domain/events/webhook-policy";

export interface DeliveryDependencies {
  readonly post: WebhookPoster;
  readonly retryLater: RetryLater;
  readonly log: (message: string, extra: Record<string, unknown>) => void;
}

/** Counts of one batch, for metrics. */
export interface DeliveryReport {
  delivered: number;
  retried: number;
  rejected: number;
}

/**
 * One SQS batch of events (each an EventBridge event whose `detail` is the app event): POST each, signed.
 * A retryable failure hides the message for the backoff and reports it failed, so SQS redelivers it later
 * (and moves it to the DLQ after `maxReceiveCount` receives); a 4xx refusal is logged and dropped.
 */
export async function deliverBatch(
  records: readonly SQSRecord[],
  deps: DeliveryDependencies,
): Promise<SQSBatchResponse & { report: DeliveryReport }> {
  const report: DeliveryReport = { delivered: 0, retried: 0, rejected: 0 };
  const failures: SQSBatchResponse["batchItemFailures"] = [];
  await Promise.all(
    records.map(async (record) => {
      const attempt = Number(record.attributes.ApproximateReceiveCount) || 1;
      const event = parseEvent(record.body);
      // A record that is not an event cannot become one by waiting: it fails until the DLQ keeps it.
      const result: PostResult = event ? await deps.post(event) : "network_error";
      const outcome = event ? outcomeOf(result) : "retry";
      const extra = { eventId: event?.id, type: event?.type, attempt, result };
      if (outcome === "delivered") {
        report.delivered++;
        return;
      }
      if (outcome === "rejected") {
        report.rejected++;
        deps.log("webhook: the receiver refused the event; not retried", extra);
        return;
      }
      report.retried++;
      const delay = retryDelaySeconds(attempt);
      deps.log("webhook: delivery failed, retrying later", { ...extra, retryInSeconds: delay });
      // If the backoff cannot be set, SQS still redelivers after the queue's visibility timeout: only sooner.
      await deps.retryLater(record.receiptHandle, delay).catch(() => undefined);
      failures.push({ itemIdentifier: record.messageId });
    }),
  );
  return { batchItemFailures: failures, report };
}

function parseEvent(body: string): AppEvent | undefined {
  try {
    const parsed = AppEvent.safeParse((JSON.parse(body) as { detail?: unknown }).detail);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
