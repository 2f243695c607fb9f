import type { Attachment, Direction } from "../message";

/** Where Meta put the event: `messaging` when this app owns the thread, `standby` when another app does. */
export type Channel = "messaging" | "standby";

/** What every normalised event carries: whose account, which customer, when, and on which channel. */
export interface EventBase {
  /** The Instagram professional account (`entry.id`). */
  readonly igAccountId: string;
  /** The customer's IGSID: the side of the event that is not the account. */
  readonly igsid: string;
  /** Meta's timestamp, epoch ms. */
  readonly timestamp: number;
  readonly channel: Channel;
}

/** A new message in the thread: from the customer (`inbound`) or an echo of the business's own (`outbound`). */
export interface MessageEvent extends EventBase {
  readonly kind: "message";
  readonly direction: Direction;
  readonly mid: string;
  readonly text?: string;
  readonly attachments: readonly Attachment[];
  readonly replyToMid?: string;
  readonly replyToStory?: { readonly id?: string; readonly url?: string };
  readonly quickReplyPayload?: string;
  /** Set on the first message of a thread opened from an ad (`source: ADS`) or an ig.me link (`SHORTLINKS`). */
  readonly referral?: Readonly<Record<string, string>>;
  readonly unsupported: boolean;
}

/** The customer (or business, on echoes) unsent a message: `message.is_deleted`. */
export interface MessageDeletedEvent extends EventBase {
  readonly kind: "message_deleted";
  readonly mid: string;
}

export interface MessageEditEvent extends EventBase {
  readonly kind: "message_edit";
  readonly mid: string;
  readonly text: string;
  /** How many times the message has been edited; only a higher count applies. */
  readonly editCount: number;
}

export interface ReactionEvent extends EventBase {
  readonly kind: "reaction";
  readonly mid: string;
  readonly action: "react" | "unreact";
  readonly reaction?: string;
  readonly emoji?: string;
  /** Who reacted (`sender.id`): the customer or the business account. */
  readonly actorId: string;
}

/** The customer read the business's messages up to `mid`. */
export interface ReadEvent extends EventBase {
  readonly kind: "read";
  readonly mid: string;
}

/** The customer tapped a button (icebreaker, generic template, persistent menu). */
export interface PostbackEvent extends EventBase {
  readonly kind: "postback";
  /** Absent for ice breaker and menu taps; otherwise it may name the tapped message, so it never identifies the tap. */
  readonly mid?: string;
  readonly title?: string;
  readonly payload?: string;
  /** `postback.referral`: the ad or ig.me link the button belongs to, when Meta sends one. */
  readonly referral?: Readonly<Record<string, string>>;
}

/** Marketing-message opt-in (Messenger shape). The opt-in token is deliberately not kept here. */
export interface OptinEvent extends EventBase {
  readonly kind: "optin";
  readonly optin: Readonly<Record<string, string>>;
}

/** An ig.me link (or ad) opened in an existing thread: top-level `referral`. */
export interface ReferralEvent extends EventBase {
  readonly kind: "referral";
  readonly referral: Readonly<Record<string, string>>;
}

/** The events the ingest use case stores. */
export type StorableEvent =
  | MessageEvent
  | MessageDeletedEvent
  | MessageEditEvent
  | ReactionEvent
  | ReadEvent
  | PostbackEvent
  | OptinEvent
  | ReferralEvent;

/** An event of a kind we do not know: only its field names are kept (no personal data). */
export interface UnknownEvent {
  readonly kind: "unknown";
  readonly fields: readonly string[];
  readonly channel: Channel;
}

/** A known kind whose shape did not validate: the kind and the offending paths, never the values. */
export interface MalformedEvent {
  readonly kind: "malformed";
  readonly eventKind: string;
  readonly paths: readonly string[];
  readonly channel: Channel;
}

export type WebhookEvent = StorableEvent | UnknownEvent | MalformedEvent;

/** One `entry[]` of a delivery, with its events normalised. */
export interface DeliveryEntry {
  readonly igAccountId: string;
  readonly events: readonly WebhookEvent[];
  /** `changes[]` items (the dashboard's "Test" payload and other change fields): acknowledged, ignored. */
  readonly ignoredChanges: readonly string[];
}

export interface Delivery {
  readonly entries: readonly DeliveryEntry[];
}

export function isStorable(event: WebhookEvent): event is StorableEvent {
  return event.kind !== "unknown" && event.kind !== "malformed";
}
