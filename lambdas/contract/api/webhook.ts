import * as z from "zod";

/** `GET /instagram/webhook` handshake query (Meta's dotted names). Unknown params ignored. */
export const WebhookVerifyQuery = z.object({
  "hub.mode": z.literal("subscribe"),
  "hub.verify_token": z.string().min(1).max(512),
  "hub.challenge": z.string().min(1).max(512),
});

/**
 * `POST /instagram/webhook` envelope, for documentation: the handler verifies `X-Hub-Signature-256` over the
 * raw bytes first, then parses with lossless ids. Events inside `entry[]` are open-ended (see docs).
 */
export const WebhookDelivery = z
  .object({
    object: z.string(),
    entry: z.array(z.object({ id: z.string(), time: z.number().optional() }).loose()),
  })
  .loose()
  .meta({ id: "WebhookDelivery" });

/** Header carrying `sha256=<hex HMAC of the raw body with the app secret>`. */
export const WebhookReceiveHeaders = z.object({
  "x-hub-signature-256": z.string().regex(/^sha256=[0-9a-f]{64}$/i),
});
