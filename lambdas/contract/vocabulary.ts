/**
 * Vocabularies shared by the API, the domain and storage, each declared once here (as `as const` arrays)
 * and derived everywhere else: zod enums in contract/api, union types in the domain, guards in adapters.
 */

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

/** Every stored (inbound) attachment type: the media kinds Meta documents, and `unknown` for anything newer. */
export const ATTACHMENT_TYPES = [...MEDIA_ATTACHMENT_TYPES, "unknown"] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

/** Attachment types the send API accepts (Meta fetches each from an https URL). */
export const SENDABLE_ATTACHMENT_TYPES = ["image", "video", "audio", "file"] as const;
export type SendableAttachmentType = (typeof SENDABLE_ATTACHMENT_TYPES)[number];

/** The life of a message sent through the API: queued → sending → sent | failed. */
export const OUTBOUND_STATUSES = ["queued", "sending", "sent", "failed"] as const;
export type OutboundStatus = (typeof OUTBOUND_STATUSES)[number];

/** Stable reasons an outbound message failed; clients branch on these. */
export const SEND_FAILURE_REASONS = [
  "window_closed",
  "reauth_required",
  "recipient_unavailable",
  "permission_missing",
  "integration_disconnected",
  "rejected_by_meta",
  "retries_exhausted",
  /** Meta may have delivered it but did not confirm (1/1357046, or a crash mid-send): never blind-retried. */
  "delivery_unconfirmed",
  /** Stored but the queue refused it; the client was told to retry. */
  "enqueue_failed",
  /** 100/2534037: another app owns the thread (handover protocol); ours may not send into it. */
  "not_thread_owner",
  /** Meta refused every send of the account (10/1893063, 100/2534029) for longer than the message could wait. */
  "account_restricted",
  /** A message sent in parts: an earlier part failed for good, so this part was never sent (order kept). */
  "previous_part_failed",
] as const;
export type SendFailureReason = (typeof SEND_FAILURE_REASONS)[number];

export const DIRECTIONS = ["inbound", "outbound"] as const;
export type Direction = (typeof DIRECTIONS)[number];

/**
 * Where a message came from: the customer, an echo of the business's own message, our send API, or the history
 * import (read from Meta's Conversations API; never announced as `message.received`).
 */
export const MESSAGE_SOURCES = ["customer", "echo", "api", "history"] as const;
export type MessageSource = (typeof MESSAGE_SOURCES)[number];

/** Webhook event kinds we know, in the order they are recognised (an event carries exactly one of them). */
export const EVENT_KINDS = [
  "message",
  "message_edit",
  "reaction",
  "read",
  "postback",
  "optin",
  "referral",
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** Reply-window states: open (any reply), human_agent_only (only tag HUMAN_AGENT), closed (none). */
export const WINDOW_STATES = ["open", "human_agent_only", "closed"] as const;
export type WindowState = (typeof WINDOW_STATES)[number];

/** Which window is open: the standard 24 hours, or the 7 days after the first message of an ad-started thread. */
export const WINDOW_KINDS = ["standard", "ad_referral"] as const;
export type WindowKind = (typeof WINDOW_KINDS)[number];

/** `window=` filter of the conversation list: `closing` is an open window with little time left. */
export const WINDOW_FILTERS = ["open", "closing", "closed"] as const;
export type WindowFilter = (typeof WINDOW_FILTERS)[number];

/** How an integration was connected: Instagram Login (graph.instagram.com) or Facebook Login (a Page, graph.facebook.com). */
export const LOGIN_FLAVOURS = ["instagram", "facebook"] as const;
export type LoginFlavour = (typeof LOGIN_FLAVOURS)[number];

/** Kinds of quick reply Meta documents (Instagram quick-replies page): a titled text reply, phone, email. */
export const QUICK_REPLY_TYPES = ["text", "phone", "email"] as const;
export type QuickReplyType = (typeof QUICK_REPLY_TYPES)[number];

/** Button kinds of Instagram's button and generic templates (button-template page): link or postback. */
export const TEMPLATE_BUTTON_TYPES = ["web_url", "postback"] as const;
export type TemplateButtonType = (typeof TEMPLATE_BUTTON_TYPES)[number];

/** What an outbound message is, as the messages route shows it (docs/outbound.md, "Kinds"). */
export const OUTBOUND_KINDS = [
  "text",
  "attachment",
  "images",
  "sticker",
  "share",
  "button_template",
  "generic_template",
  /** Media Meta cannot send as one message, sent as consecutive Meta messages (docs/outbound.md, "Parts"). */
  "parts",
] as const;
export type OutboundKind = (typeof OUTBOUND_KINDS)[number];

/** Reactions the app may send: Meta's sender-actions page documents only `love` for `react`. */
export const SENDABLE_REACTIONS = ["love"] as const;
export type SendableReaction = (typeof SENDABLE_REACTIONS)[number];

/** What a customer tapped (docs/app-api.md, "Taps"): a quick reply (a `message`) or a button (a `postback`). */
export const TAP_KINDS = ["quick_reply", "postback"] as const;
export type TapKind = (typeof TAP_KINDS)[number];

/**
 * How a tap was linked to the outbound message it answers: `mid` when Meta named that message (a postback's
 * `mid`, or `reply_to.mid`) and it is one we sent; `quick_reply_payload` when Meta names none (quick replies)
 * and the conversation's latest message that offered that exact payload is taken.
 */
export const TAP_LINK_BASES = ["mid", "quick_reply_payload"] as const;
export type TapLinkBasis = (typeof TAP_LINK_BASES)[number];
