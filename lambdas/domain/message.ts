/** Kinds of media Instagram sends (both `share` and `ig_post` occur during Meta's 2025–26 transition). */
export type AttachmentType =
  | "image"
  | "video"
  | "audio"
  | "file"
  | "share"
  | "ig_post"
  | "ig_reel"
  | "story_mention"
  | "ephemeral"
  | "unknown";

export interface Attachment {
  readonly type: AttachmentType;
  /** Short-lived CDN link, stored as received; absent for `ephemeral`. */
  readonly url?: string;
  readonly title?: string;
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
  | "retries_exhausted";

export interface Reaction {
  readonly reaction: string;
  readonly emoji?: string;
  /** Epoch ms of the reaction event, so an older react/unreact cannot override a newer one. */
  readonly at: number;
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
  readonly referral?: Readonly<Record<string, string>>;
  /** Keyed by the reacting party's id. */
  readonly reactions?: Readonly<Record<string, Reaction>>;
  readonly readAt?: number;
  readonly editCount?: number;
  readonly deleted?: boolean;
  readonly unsupported?: boolean;
  /** Outbound through the API only. */
  readonly status?: OutboundStatus;
  readonly failureReason?: SendFailureReason;
  readonly userId?: string;
  readonly tag?: "HUMAN_AGENT";
}
