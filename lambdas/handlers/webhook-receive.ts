import { documentClient } from "../adapters/dynamo/client";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { sqsClient } from "../adapters/sqs/client";
import { webhookConfigFromEnv } from "../config/env";
import { AppError } from "../domain/errors";
import { receiveDelivery } from "../domain/webhook/receive";
import { signedRequestResult } from "../http/connect-results";
import { bodyBytes, header, mediaType, rawBody } from "../http/request";
import { json } from "../http/responses";
import { httpRouteWithSecrets } from "../http/route";
import { signedRequestForm } from "../http/signed-request-form";
import { logger } from "../platform/logger";
import { countMetric, flushMetrics, metricsForLogLine } from "../platform/metrics";
import { webhookWiring } from "../wiring/webhook";

/**
 * What API Gateway accepts (10 MB): Meta retries a refused delivery, so no limit of ours may sit below what can
 * arrive (Meta batches many entries into one delivery and documents no size). Lambda's 6 MB invocation limit
 * applies first in AWS; the check still guards local mode and refuses a larger body before it is hashed.
 */
const MAX_BODY_BYTES = 10 * 1000 * 1000;
/** Conversations written at the same time for one delivery. */
const WRITE_CONCURRENCY = 32;

const webhook = webhookWiring(webhookConfigFromEnv(WRITE_CONCURRENCY), {
  db: documentClient(),
  sqs: sqsClient(),
  count: countMetric,
  log: (message, attributes) => logger.info(message, attributes),
});

/** The delivery's counts that happened (a zero count is what the absent key says, in fewer log bytes). */
function withoutZeros(counts: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));
}

/**
 * `POST /instagram/webhook`: content type, size, then the signature over the raw bytes, before any
 * parsing; then every event is stored. 200 only once all writes are durable (errors become 5xx, Meta retries).
 * Deauthorize and data deletion may be posted here too as form-encoded `signed_request` bodies (the setup
 * guide points both dashboard fields at this URL); which one it is, is inferred from the payload.
 */
export const handler = httpRouteWithSecrets(secretsLoaderFromEnv(), async (event, context) => {
  const type = mediaType(event);
  if (type === "application/x-www-form-urlencoded") {
    const form = signedRequestForm(event);
    return signedRequestResult(await webhook.signedRequestCallback("infer", form, context.secrets));
  }
  if (type !== "application/json") {
    throw new AppError("request.unsupported_media_type", "Webhook deliveries are application/json.");
  }
  if (bodyBytes(event) > MAX_BODY_BYTES) throw new AppError("request.too_large", "The body exceeds 10 MB.");
  const summary = await receiveDelivery(
    rawBody(event),
    header(event, "x-hub-signature-256"),
    context.secrets.signingSecrets,
    webhook.receive,
  );
  // One line per delivery: its summary and the invocation's metrics (EMF) together.
  logger.info("webhook delivery stored", { ...withoutZeros(summary), ...metricsForLogLine() });
  return json(200, { received: summary.events });
}).use(flushMetrics());
