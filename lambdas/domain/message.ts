/** Kinds of media Instagram sends (both `share` and `ig_post` occur during Meta's 2025–26 transition). */
export const MEDIA_ATTACHMENT_TYPES = [
  "image",
  "video",
  "audio",
  "file",
  "share",
  "ig_post",
  "ig_reel",
  "story_mention",
  "ephemeral",
] as const;

/** Every stored attachment type: the media kinds Meta documents, and `unknown` for anything newer. */
export const ATTACHMENT_TYPES = [...MEDIA_ATTACHMENT_TYPES, "unknown"] as const;

export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

export interface Attachment {
  readonly type: AttachmentType;
  /** Short-lived CDN link, stored as received; absent for `ephemeral`. */
  readonly url?: string;
  readonly title?: string;
  /** Epoch ms when the CDN link stops working (from its `oe` parameter), when the link says. */
  readonly urlExpiresAt?: number;
}

export type Direction = "inbound" | "outbound";

/** Where a message came from: the customer, an echo of the business's own message, or our send API. */
export type MessageSource = "customer" | "echo" | "api";

export type OutboundStatus = "queued" | "sending" | "sent" | "failed";

/** Stable reasons an outbound message failed; clients branch on these. */
export type SendFailureReason =
  | "window_closed"
  | "reauth_required"
  | "recipient_unavailable"
  | "permission_missing"
  | "integration_disconnected"
  | "rejected_by_meta"
  | "retries_exhausted"
  /** Meta may have delivered it but did not confirm (1/1357046, or a crash mid-send): never blind-retried. */
  | "delivery_unconfirmed"
  /** Stored but the queue refused it; the client was told to retry. */
  | "enqueue_failed";

export interface Reaction {
  readonly reaction: string;
  readonly emoji?: string;
  /** Epoch ms of the reaction event, so an older react/unreact cannot override a newer one. */
  readonly at: number;
  /** An unreact: kept (not deleted) so an older, late react cannot bring the reaction back. */
  readonly removed?: boolean;
}

/** A message as stored: inbound, echoed, or sent through our API. */
export interface MessageRecord {
  readonly imoId: string;
  readonly igAccountId: string;
  readonly igsid: string;
  /** Meta's `mid` for inbound and echoes; our UUID for messages accepted by the API. */
  readonly messageId: string;
  /** Meta's message id, once known (same as messageId for inbound). */
  readonly mid?: string;
  readonly direction: Direction;
  readonly source: MessageSource;
  /** Epoch ms: Meta's timestamp, or acceptance time for API messages. */
  readonly sentAt: number;
  readonly text?: string;
  readonly attachments?: readonly Attachment[];
  readonly replyToMid?: string;
  readonly replyToStory?: { readonly id?: string; readonly url?: string };
  readonly quickReplyPayload?: string;
  /** A button tap (postback): its payload; the button title is the text. */
  readonly postbackPayload?: string;
  readonly referral?: Readonly<Record<string, string>>;
  /** Keyed by the reacting party's id. */
  readonly reactions?: Readonly<Record<string, Reaction>>;
  readonly readAt?: number;
  readonly editCount?: number;
  readonly editedAt?: number;
  readonly deleted?: boolean;
  readonly deletedAt?: number;
  /** Epoch ms of the event that confirmed a message we sent (its echo). */
  readonly echoedAt?: number;
  readonly unsupported?: boolean;
  /** Outbound through the API only. */
  readonly status?: OutboundStatus;
  readonly failureReason?: SendFailureReason;
  readonly userId?: string;
  readonly tag?: "HUMAN_AGENT";
}
