import { Webhook } from "standardwebhooks";
import type { AppEvent } from "../../contract/events";
import { WebhookDeliveryQueue } from "../../contract/queues";

/** The result of one POST: the HTTP status, or why there was none. */
export type PostResult = number | "timeout" | "network_error";

/** POSTs one event to the app's endpoint, signed per Standard Webhooks. */
export type WebhookPoster = (event: AppEvent) => Promise<PostResult>;

/**
 * Signs with the `standardwebhooks` package: body `{ type, timestamp, data }` (data is the whole event),
 * `webhook-id` the event id (the same on every retry, so receivers dedupe), `webhook-timestamp` the attempt's
 * time in seconds, `webhook-signature` `v1,<base64 HMAC-SHA256>`.
 */
export function webhookPoster(
  url: string,
  secret: string,
  options: { timeoutMs?: number; now?: () => Date } = {},
): WebhookPoster {
  const signer = new Webhook(secret);
  const timeoutMs = options.timeoutMs ?? WebhookDeliveryQueue.requestTimeoutMs;
  const now = options.now ?? (() => new Date());
  return async (event) => {
    const at = now();
    const body = JSON.stringify({ type: event.type, timestamp: event.occurredAt, data: event });
    const headers = {
      "content-type": "application/json",
      "webhook-id": event.id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": signer.sign(event.id, at, body),
    };
    try {
      const response = await fetch(url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: "manual",
      });
      await response.body?.cancel();
      return response.status;
    } catch (error) {
      return error instanceof Error && error.name === "TimeoutError" ? "timeout" : "network_error";
    }
  };
}

/** A Standard Webhooks secret: `whsec_` + base64 key. A generated alphanumeric value is base64 already. */
export function signingSecretOf(value: string): string {
  return value.startsWith("whsec_") ? value : `whsec_${value}`;
}
