import { documentClient } from "../adapters/dynamo/client";
import { countMetric, flushMetrics } from "../adapters/metrics";
import { requiredEnv } from "../adapters/runtime-config";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { publicUrlConfigFromEnv } from "../config/env";
import { Env } from "../contract/env";
import { AppError } from "../domain/errors";
import { receiveDelivery } from "../domain/webhook/receive";
import { httpRouteWithSecrets } from "../middleware/http-route";
import type { HttpEvent } from "../middleware/http-types";
import { logger } from "../middleware/logger";
import { header, mediaType, rawBody } from "../middleware/request";
import { json } from "../middleware/responses";
import { signedRequestForm } from "../wiring/signed-request-form";
import { webhookWiring } from "../wiring/webhook";

/** Meta's deliveries are far smaller; anything above this is refused before it is hashed. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Conversations written at the same time for one delivery. */
const WRITE_CONCURRENCY = 32;

const webhook = webhookWiring(
  { ...publicUrlConfigFromEnv(), tableName: requiredEnv(Env.tableName), concurrency: WRITE_CONCURRENCY },
  {
    db: documentClient(),
    count: countMetric,
    log: (message, attributes) => logger.info(message, attributes),
  },
);

/** The body size without decoding it first (base64 inflates by 4/3). */
function bodyBytes(event: HttpEvent): number {
  const body = event.body ?? "";
  return event.isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body, "utf8");
}

/**
 * `POST /instagram/webhook`: content type, size, then the signature over the raw bytes, before any
 * parsing; then every event is stored. 200 only once all writes are durable (errors become 5xx, Meta retries).
 */
export const handler = httpRouteWithSecrets(secretsLoaderFromEnv(), async (event, context) => {
  const type = mediaType(event);
  // Deauthorize and data deletion may be posted to this same URL as form-encoded `signed_request` bodies
  // (the setup guide points both dashboard fields here); which one it is, is inferred from the payload.
  if (type === "application/x-www-form-urlencoded") {
    return webhook.signedRequestCallback("infer", signedRequestForm(event), context.secrets);
  }
  if (type !== "application/json") {
    throw new AppError("request.unsupported_media_type", "Webhook deliveries are application/json.");
  }
  if (bodyBytes(event) > MAX_BODY_BYTES) throw new AppError("request.too_large", "The body exceeds 1 MiB.");
  const summary = await receiveDelivery(
    rawBody(event),
    header(event, "x-hub-signature-256"),
    context.secrets.signingSecrets,
    webhook.receive,
  );
  logger.info("webhook delivery stored", { ...summary });
  return json(200, { received: summary.events });
}).use(flushMetrics());
