import { createHmac, timingSafeEqual } from "node:crypto";
import { secretsLoaderFromEnv } from "../../lambdas/adapters/secrets";
import { header, rawBody } from "../../lambdas/http/request";
import { text } from "../../lambdas/http/responses";
import { httpRouteWithSecrets } from "../../lambdas/http/route";

/**
 * The floor the webhook is measured against: the same middy chain and cached secrets, an HMAC-SHA256 check of
 * the raw body against every signing secret in constant time, then 200. It parses and stores nothing.
 */
export const baselineWebhookHandler = httpRouteWithSecrets(secretsLoaderFromEnv(), async (event, context) => {
  const signature = header(event, "x-hub-signature-256") ?? "";
  const given = Buffer.from(signature.startsWith("sha256=") ? signature.slice(7) : "", "hex");
  const body = rawBody(event);
  const valid = context.secrets.signingSecrets.some((secret) => {
    const expected = createHmac("sha256", secret).update(body).digest();
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return valid ? text(200, "EVENT_RECEIVED") : text(401, "invalid signature");
});
