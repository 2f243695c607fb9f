import { documentClient } from "../adapters/dynamo/client";
import { inboundStore } from "../adapters/dynamo/inbound-store";
import { integrationRouting } from "../adapters/dynamo/integration-routing";
import { countMetric, flushMetrics } from "../adapters/metrics";
import { requiredEnv } from "../adapters/runtime-config";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { handleSignedRequestCallback, signedRequestForm } from "../composition/connect";
import { Env } from "../contract/env";
import type { AppSecrets } from "../contract/secrets";
import { AppError } from "../domain/errors";
import { receiveDelivery } from "../domain/webhook/receive";
import { httpRouteWithSecrets } from "../middleware/http-route";
import type { HttpEvent, HttpResult } from "../middleware/http-types";
import { logger } from "../middleware/logger";
import { header, mediaType, rawBody } from "../middleware/request";
import { json } from "../middleware/responses";

/** Meta's deliveries are far smaller; anything above this is refused before it is hashed. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Conversations written at the same time for one delivery. */
const WRITE_CONCURRENCY = 32;

const tableName = requiredEnv(Env.tableName);
const db = documentClient();
const dependencies = {
  store: inboundStore(db, tableName),
  routing: integrationRouting(db, tableName),
  count: countMetric,
  log: (message: string, attributes: Record<string, unknown>) => logger.info(message, attributes),
  concurrency: WRITE_CONCURRENCY,
};

/**
 * The deauthorize and data-deletion callbacks may be posted to this same URL as form-encoded `signed_request`
 * bodies (the setup guide points both dashboard fields here); the connect flow verifies and handles them.
 */
function signedRequestCallback(event: HttpEvent, secrets: AppSecrets): Promise<HttpResult> {
  return handleSignedRequestCallback("infer", signedRequestForm(event), secrets);
}

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
  if (type === "application/x-www-form-urlencoded") return signedRequestCallback(event, context.secrets);
  if (type !== "application/json") {
    throw new AppError("request.unsupported_media_type", "Webhook deliveries are application/json.");
  }
  if (bodyBytes(event) > MAX_BODY_BYTES) throw new AppError("request.too_large", "The body exceeds 1 MiB.");
  const summary = await receiveDelivery(
    rawBody(event),
    header(event, "x-hub-signature-256"),
    context.secrets.signingSecrets,
    dependencies,
  );
  logger.info("webhook delivery stored", { ...summary });
  return json(200, { received: summary.events });
}).use(flushMetrics());
