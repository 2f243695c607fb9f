import { Webhook } from "standardwebhooks";
import type { Message } from "./types";

/**
 * Events the backend emits (docs/events.md), as the app receives them on its webhook endpoint (in `data`) or
 * on EventBridge (in `detail`), and `verifyWebhook` to check a delivery's Standard Webhooks signature.
 * Mirrors lambdas/contract/events.ts; test/unit/client-events.test.ts fails when the two drift apart.
 */

interface EventBase<T extends string, D> {
  readonly specVersion: 1;
  /** Unique and deterministic: a redelivery carries the same id, so drop ids you have seen. */
  readonly id: string;
  readonly type: T;
  /** ISO-8601: when the write behind the event committed. */
  readonly occurredAt: string;
  readonly imoId: string;
  readonly userId?: string;
  readonly data: D;
}

interface MessageIds {
  readonly igAccountId: string;
  /** `<igAccountId>_<igsid>`, as in the conversation list. */
  readonly conversationId: string;
  readonly messageId: string;
}

export type OutboundStatus = "queued" | "sending" | "sent" | "failed";
export type MessageChange = "edited" | "unsent" | "reaction" | "seen";

export type MessageReceivedEvent = EventBase<"message.received", MessageIds & { readonly message: Message }>;
export type MessageChangedEvent = EventBase<
  "message.changed",
  MessageIds & { readonly changes: MessageChange[]; readonly message: Message }
>;
export type MessageStatusChangedEvent = EventBase<
  "message.status_changed",
  MessageIds & {
    readonly status: OutboundStatus;
    readonly previousStatus?: OutboundStatus;
    readonly failureReason?: string;
  }
>;
export type ConversationWindowClosingEvent = EventBase<
  "conversation.window_closing",
  {
    readonly igAccountId: string;
    readonly conversationId: string;
    readonly closesAt: string;
    readonly lastCustomerMessageAt: string;
    /** `standard` (24 h after the customer's last message) or `ad_referral` (7 days, ad-started thread). */
    readonly windowKind: "standard" | "ad_referral";
  }
>;
export type IntegrationStatusChangedEvent = EventBase<
  "integration.status_changed",
  { readonly igAccountId: string; readonly status: string; readonly previousStatus?: string }
>;
export type DataDeletionCompletedEvent = EventBase<
  "data_deletion.completed",
  {
    readonly confirmationCode: string;
    readonly erased?: {
      readonly integrations: number;
      readonly conversations: number;
      readonly messages: number;
    };
  }
>;

export type InstagramDmEvent =
  | MessageReceivedEvent
  | MessageChangedEvent
  | MessageStatusChangedEvent
  | ConversationWindowClosingEvent
  | IntegrationStatusChangedEvent
  | DataDeletionCompletedEvent;

/** The body of a webhook delivery (Standard Webhooks): the event is `data`. */
export interface WebhookPayload {
  readonly type: InstagramDmEvent["type"];
  readonly timestamp: string;
  readonly data: InstagramDmEvent;
}

/**
 * Verifies a delivery's `webhook-id`, `webhook-timestamp` (within 5 minutes) and `webhook-signature` against
 * the raw body, with the `whsec_…` secret; returns the event, or throws when anything does not match.
 */
export function verifyWebhook(
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
  secret: string,
): InstagramDmEvent {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  const payload = new Webhook(secret).verify(rawBody, flat) as WebhookPayload;
  return payload.data;
}
