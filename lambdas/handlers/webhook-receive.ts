import { documentClient } from "../adapters/dynamo/client";
import { inboundStore } from "../adapters/dynamo/inbound-store";
import { integrationRouting } from "../adapters/dynamo/integration-routing";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { Env } from "../contract/env";
import { AppError } from "../domain/errors";
import { receiveDelivery } from "../domain/webhook/receive";
import { bodyBytes, header, mediaType, rawBody } from "../http/request";
import { json } from "../http/responses";
import { httpRouteWithSecrets } from "../http/route";
import { handleSignedRequestCallback } from "../http/signed-request-callback";
import { signedRequestForm } from "../http/signed-request-form";
import { logger } from "../platform/logger";
import { countMetric, flushMetrics } from "../platform/metrics";
import { requiredEnv } from "../platform/runtime-config";

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
 * `POST /instagram/webhook`: content type, size, then the signature over the raw bytes, before any
 * parsing; then every event is stored. 200 only once all writes are durable (errors become 5xx, Meta retries).
 * Deauthorize and data deletion may be posted here too as form-encoded `signed_request` bodies (the setup
 * guide points both dashboard fields at this URL); the connect flow verifies and handles them.
 */
export const handler = httpRouteWithSecrets(secretsLoaderFromEnv(), async (event, context) => {
  const type = mediaType(event);
  if (type === "application/x-www-form-urlencoded") {
    return handleSignedRequestCallback("infer", signedRequestForm(event), context.secrets);
  }
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
