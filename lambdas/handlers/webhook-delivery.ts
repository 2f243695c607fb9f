import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { webhookSecretLoader } from "../adapters/events/webhook-secret";
import { webhookPoster } from "../adapters/events/webhook-sender";
import { sqsClient } from "../adapters/sqs/client";
import { sqsRetryLater } from "../adapters/sqs/retry-later";
import { Env } from "../contract/env";
import { workerHandler } from "../platform/chain";
import { logger } from "../platform/logger";
import { countMetric } from "../platform/metrics";
import { requiredEnv } from "../platform/runtime-config";
import { deliverBatch } from "../wiring/webhook-delivery";

const url = requiredEnv(Env.appWebhookUrl);
const loadSecret = webhookSecretLoader(requiredEnv(Env.appWebhookSecretId));
const retryLater = sqsRetryLater(sqsClient(), requiredEnv(Env.webhookQueueUrl));

/** SQS → the app's webhook endpoint: each event POSTed signed per Standard Webhooks (docs/events.md). */
export const handler = workerHandler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const post = webhookPoster(url, await loadSecret());
  const { batchItemFailures, report } = await deliverBatch(event.Records, {
    post,
    retryLater,
    log: (message, extra) => logger.warn(message, extra),
  });
  countMetric("WebhooksDelivered", report.delivered);
  countMetric("WebhooksRetried", report.retried);
  countMetric("WebhooksRejected", report.rejected);
  return { batchItemFailures };
});
