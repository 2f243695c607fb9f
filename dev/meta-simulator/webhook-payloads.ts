/**
 * Builders for Instagram webhook deliveries, shaped as in shared/reference/meta-platform.md. Key order follows
 * the reference payloads, so a builder's output serialised with `metaJson` is byte-identical to Meta's.
 */

/** A webhook delivery body (`object: "instagram"`, one or more entries). */
export interface WebhookPayload {
  readonly object: "instagram";
  readonly entry: WebhookEntry[];
}

export interface WebhookEntry {
  readonly time: number;
  readonly id: string;
  readonly messaging: MessagingEvent[];
}

export type MessagingEvent = {
  readonly sender: { readonly id: string };
  readonly recipient: { readonly id: string };
  readonly timestamp: number;
} & Record<string, unknown>;

/** The conversation an event belongs to: the business account and the customer (IGSID). */
export interface Parties {
  readonly igAccountId: string;
  readonly igsid: string;
  /** Event time, Unix ms. */
  readonly timestamp: number;
  /** Entry time, Unix ms; defaults to a little after the event. */
  readonly entryTime?: number;
}

export type AttachmentType =
  | "image"
  | "video"
  | "audio"
  | "file"
  | "share"
  | "ig_post"
  | "ig_reel"
  | "story_mention";

export interface Attachment {
  readonly type: AttachmentType | "ephemeral";
  readonly url?: string;
}

/** Wraps events of one account into a delivery (`entry.id` is the business account id). */
export function envelope(igAccountId: string, time: number, ...events: MessagingEvent[]): WebhookPayload {
  return { object: "instagram", entry: [{ time, id: igAccountId, messaging: events }] };
}

/** Merges several deliveries into one batched delivery, as Meta batches entries. */
export function batch(...payloads: WebhookPayload[]): WebhookPayload {
  return { object: "instagram", entry: payloads.flatMap((p) => p.entry) };
}

function inbound(p: Parties, body: Record<string, unknown>): WebhookPayload {
  const event: MessagingEvent = {
    sender: { id: p.igsid },
    recipient: { id: p.igAccountId },
    timestamp: p.timestamp,
    ...body,
  };
  return envelope(p.igAccountId, p.entryTime ?? p.timestamp + 589, event);
}

function attachmentsOf(list: readonly Attachment[]): Record<string, unknown>[] {
  return list.map((a) =>
    a.url === undefined ? { type: a.type } : { type: a.type, payload: { url: a.url } },
  );
}

/** A customer's text DM. */
export function customerText(
  p: Parties & { mid: string; text: string; replyToMid?: string; referral?: object },
): WebhookPayload {
  const message: Record<string, unknown> = { mid: p.mid, text: p.text };
  if (p.replyToMid !== undefined) message.reply_to = { mid: p.replyToMid };
  if (p.referral !== undefined) message.referral = p.referral;
  return inbound(p, { message });
}

/**
 * The same events as Meta sends them while another app owns the thread: under `entry[].standby[]` instead of
 * `entry[].messaging[]` (Instagram webhooks / handover protocol; shared/reference/meta-platform.md).
 */
export function asStandby(payload: WebhookPayload): Record<string, unknown> {
  return {
    object: payload.object,
    entry: payload.entry.map(({ time, id, messaging }) => ({ time, id, standby: messaging })),
  };
}

/** A customer's DM carrying attachments (image, video, audio, file, share, ig_reel, story_mention, ephemeral). */
export function customerAttachments(
  p: Parties & { mid: string; attachments: readonly Attachment[]; text?: string },
): WebhookPayload {
  const message: Record<string, unknown> = { mid: p.mid };
  if (p.text !== undefined) message.text = p.text;
  message.attachments = attachmentsOf(p.attachments);
  return inbound(p, { message });
}

/** The echo of a message the business sent (sender is the business account, `is_echo: true`). */
export function echo(
  p: Parties & { mid: string; text?: string; attachments?: readonly Attachment[] },
): WebhookPayload {
  const message: Record<string, unknown> = { mid: p.mid };
  if (p.text !== undefined) message.text = p.text;
  if (p.attachments !== undefined) message.attachments = attachmentsOf(p.attachments);
  message.is_echo = true;
  const event: MessagingEvent = {
    sender: { id: p.igAccountId },
    recipient: { id: p.igsid },
    timestamp: p.timestamp,
    message,
  };
  return envelope(p.igAccountId, p.entryTime ?? p.timestamp + 589, event);
}

/** A customer's reaction to a message (`action: react|unreact`). */
export function reaction(
  p: Parties & { mid: string; action?: "react" | "unreact"; reaction?: string; emoji?: string },
): WebhookPayload {
  const action = p.action ?? "react";
  const body: Record<string, unknown> = { mid: p.mid, action };
  if (action === "react") {
    body.reaction = p.reaction ?? "love";
    body.emoji = p.emoji ?? "\u2764\ufe0f";
  }
  return inbound(p, { reaction: body });
}

/** The customer read a message (Instagram reports the `mid`, not a watermark). */
export function read(p: Parties & { mid: string }): WebhookPayload {
  return inbound(p, { read: { mid: p.mid } });
}

/** The customer edited a message. */
export function messageEdit(p: Parties & { mid: string; text: string; numEdit?: number }): WebhookPayload {
  return inbound(p, { message_edit: { mid: p.mid, text: p.text, num_edit: p.numEdit ?? 1 } });
}

/** The customer unsent (deleted) a message. */
export function unsend(p: Parties & { mid: string }): WebhookPayload {
  return inbound(p, { message: { mid: p.mid, is_deleted: true } });
}

/** The customer tapped a button (postback). */
export function postback(p: Parties & { mid: string; title: string; payload: string }): WebhookPayload {
  return inbound(p, { postback: { mid: p.mid, title: p.title, payload: p.payload } });
}

/** A message Meta could not render for the API (`is_unsupported: true`). */
export function unsupported(p: Parties & { mid: string }): WebhookPayload {
  return inbound(p, { message: { mid: p.mid, is_unsupported: true } });
}

/**
 * What the App Dashboard's "Test" button sends: a `changes[]` entry, not `messaging[]`. Receivers should
 * acknowledge it and ignore it.
 */
export function dashboardTest(time: number): Record<string, unknown> {
  return {
    entry: [
      {
        id: "0",
        time: Math.floor(time / 1000),
        changes: [
          {
            field: "messages",
            value: {
              sender: { id: "12334" },
              recipient: { id: "23245" },
              timestamp: String(Math.floor(time / 1000)),
              message: { mid: "random_mid", text: "random_text" },
            },
          },
        ],
      },
    ],
    object: "instagram",
  };
}
