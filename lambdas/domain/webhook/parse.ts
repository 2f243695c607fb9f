import { parse } from "lossless-json";
import type * as z from "zod";
import { EVENT_KINDS, type EventKind } from "../../contract/vocabulary";
import { AppError } from "../errors";
import type { Attachment, AttachmentType } from "../message";
import type { Channel, Delivery, DeliveryEntry, WebhookEvent } from "./events";
import {
  type AttachmentSchema,
  ChangeSchema,
  DeliverySchema,
  EditBody,
  type EntrySchema,
  Envelope,
  KNOWN_ATTACHMENT_TYPES,
  MessageBody,
  OPTIN_DROPPED,
  OptinBody,
  PostbackBody,
  ReactionBody,
  ReadBody,
  Referral,
} from "./payload-schemas";

/*
 * Parsing of a webhook body into typed events. The body is parsed with lossless-json, so a number keeps all
 * its digits (ids above 2^53 would silently change with JSON.parse); ids are then kept as decimal strings.
 * A body that is not a delivery at all is a 400; one bad event inside a valid delivery is reported as
 * `malformed` and never fails the batch (Meta would otherwise retry the whole batch forever).
 */

/**
 * `timestamp: 0` (or below) is not a time Meta sends: stored, it would read as 1970-01-01. The bound is kept at
 * 1 ms rather than Instagram's launch (2010) because the test fixtures write relative times (1 000, 20 000 …);
 * docs/webhooks.md says so.
 */
export const EARLIEST_EVENT_TIME = 1;
/**
 * Nor are times more than a day after we received the delivery: Meta delivers within seconds, and clocks
 * differ by far less than a day, so anything later would pin a conversation's ordering and window in the future.
 */
export const MAX_EVENT_AHEAD_MS = 24 * 60 * 60 * 1000;

function plausibleTime(timestamp: number, receivedAt: number | undefined): boolean {
  if (timestamp < EARLIEST_EVENT_TIME) return false;
  return receivedAt === undefined || timestamp <= receivedAt + MAX_EVENT_AHEAD_MS;
}

/**
 * Parses and normalises a webhook body (already signature-checked). Throws `webhook.body_invalid`.
 * `receivedAt` bounds how far in the future an event time may be (without it only the lower bound applies).
 */
export function parseDelivery(body: string, receivedAt?: number): Delivery {
  let raw: unknown;
  try {
    raw = parse(body);
  } catch {
    throw new AppError("webhook.body_invalid", "The body is not valid JSON.");
  }
  const result = DeliverySchema.safeParse(raw);
  if (!result.success) {
    const paths = result.error.issues.map((issue) => issue.path.join(".") || "(root)");
    throw new AppError("webhook.body_invalid", "The body is not an Instagram webhook delivery.", {
      errors: [...new Set(paths)]
        .slice(0, 20)
        .map((field) => ({ field: `body.${field}`, message: "invalid" })),
    });
  }
  return { entries: result.data.entry.map((entry) => normaliseEntry(entry, receivedAt)) };
}

function normaliseEntry(entry: z.output<typeof EntrySchema>, receivedAt: number | undefined): DeliveryEntry {
  const events = [
    ...(entry.messaging ?? []).map((item) => normaliseEvent(entry.id, item, "messaging", receivedAt)),
    ...(entry.standby ?? []).map((item) => normaliseEvent(entry.id, item, "standby", receivedAt)),
  ];
  const ignoredChanges = (entry.changes ?? []).map((change) => {
    const parsed = ChangeSchema.safeParse(change);
    return parsed.success ? parsed.data.field : "unknown";
  });
  return { igAccountId: entry.id, events, ignoredChanges };
}

/** Normalises one `messaging[]`/`standby[]` item; never throws. */
export function normaliseEvent(
  igAccountId: string,
  item: unknown,
  channel: Channel,
  receivedAt?: number,
): WebhookEvent {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    return { kind: "malformed", eventKind: "(not an object)", paths: [], channel };
  }
  const record = item as Record<string, unknown>;
  const kind = EVENT_KINDS.find((name) => name in record);
  if (kind === undefined) {
    const fields = Object.keys(record).filter((key) => !["sender", "recipient", "timestamp"].includes(key));
    return { kind: "unknown", fields: fields.map(fieldName).slice(0, 10), channel };
  }
  const envelope = Envelope.safeParse(record);
  if (!envelope.success) return malformed(kind, envelope.error, channel);
  const { sender, recipient, timestamp } = envelope.data;
  if (!plausibleTime(timestamp, receivedAt)) {
    return { kind: "malformed", eventKind: kind, paths: ["timestamp"], channel };
  }
  // Echoes (and anything the account itself sent) belong to the recipient's conversation.
  const fromBusiness = sender.id === igAccountId || isEcho(record.message);
  const base = {
    igAccountId,
    igsid: fromBusiness ? recipient.id : sender.id,
    timestamp,
    channel,
  };
  return normaliseKind(kind, record[kind], base, sender.id, fromBusiness);
}

function normaliseKind(
  kind: EventKind,
  body: unknown,
  base: { igAccountId: string; igsid: string; timestamp: number; channel: Channel },
  senderId: string,
  fromBusiness: boolean,
): WebhookEvent {
  switch (kind) {
    case "message": {
      const parsed = MessageBody.safeParse(body);
      if (!parsed.success) return malformed(kind, parsed.error, base.channel);
      const m = parsed.data;
      if (m.is_deleted === true) return { ...base, kind: "message_deleted", mid: m.mid };
      const direction = m.is_echo === true || fromBusiness ? "outbound" : "inbound";
      return {
        ...base,
        kind: "message",
        direction,
        mid: m.mid,
        ...(m.text === undefined ? {} : { text: m.text }),
        attachments: (m.attachments ?? []).map(toAttachment),
        ...(m.reply_to?.mid === undefined ? {} : { replyToMid: m.reply_to.mid }),
        ...(m.reply_to?.story === undefined ? {} : { replyToStory: { ...m.reply_to.story } }),
        ...(m.quick_reply === undefined ? {} : { quickReplyPayload: m.quick_reply.payload }),
        ...(m.referral === undefined ? {} : { referral: m.referral }),
        unsupported: m.is_unsupported === true,
      };
    }
    case "message_edit": {
      const parsed = EditBody.safeParse(body);
      if (!parsed.success) return malformed(kind, parsed.error, base.channel);
      return { ...base, kind, mid: parsed.data.mid, text: parsed.data.text, editCount: parsed.data.num_edit };
    }
    case "reaction": {
      const parsed = ReactionBody.safeParse(body);
      if (!parsed.success) return malformed(kind, parsed.error, base.channel);
      const r = parsed.data;
      return {
        ...base,
        kind,
        mid: r.mid,
        action: r.action,
        ...(r.reaction === undefined ? {} : { reaction: r.reaction }),
        ...(r.emoji === undefined ? {} : { emoji: r.emoji }),
        actorId: senderId,
      };
    }
    case "read": {
      const parsed = ReadBody.safeParse(body);
      if (!parsed.success) return malformed(kind, parsed.error, base.channel);
      return { ...base, kind, mid: parsed.data.mid };
    }
    case "postback": {
      const parsed = PostbackBody.safeParse(body);
      if (!parsed.success) return malformed(kind, parsed.error, base.channel);
      const p = parsed.data;
      return {
        ...base,
        kind,
        ...(p.mid === undefined ? {} : { mid: p.mid }),
        ...(p.title === undefined ? {} : { title: p.title }),
        ...(p.payload === undefined ? {} : { payload: p.payload }),
        ...(p.referral === undefined ? {} : { referral: p.referral }),
      };
    }
    case "optin": {
      const parsed = OptinBody.safeParse(body);
      if (!parsed.success) return malformed(kind, parsed.error, base.channel);
      const optin = Object.fromEntries(
        Object.entries(parsed.data).filter(([key]) => !OPTIN_DROPPED.has(key)),
      );
      return { ...base, kind, optin };
    }
    case "referral": {
      const parsed = Referral.safeParse(body);
      if (!parsed.success) return malformed(kind, parsed.error, base.channel);
      return { ...base, kind, referral: parsed.data };
    }
  }
}

function isEcho(message: unknown): boolean {
  return (
    typeof message === "object" && message !== null && (message as { is_echo?: unknown }).is_echo === true
  );
}

function toAttachment(raw: z.output<typeof AttachmentSchema>): Attachment {
  const type = (KNOWN_ATTACHMENT_TYPES.has(raw.type) ? raw.type : "unknown") as AttachmentType;
  const url = raw.payload?.url;
  const title = raw.payload?.title;
  const reelVideoId = raw.payload?.reel_video_id;
  const igPostMediaId = raw.payload?.ig_post_media_id;
  // Only a link that carries `oe=` gets an expiry; lookaside.fbsbx.com links have none and get none invented.
  const urlExpiresAt = url === undefined ? undefined : cdnLinkExpiry(url);
  return {
    type,
    ...(url === undefined ? {} : { url }),
    ...(title === undefined ? {} : { title }),
    ...(reelVideoId === undefined ? {} : { reelVideoId }),
    ...(igPostMediaId === undefined ? {} : { igPostMediaId }),
    ...(urlExpiresAt === undefined ? {} : { urlExpiresAt }),
  };
}

/** Instagram CDN links carry their expiry as `oe=<hex epoch seconds>`; epoch ms, or undefined. */
export function cdnLinkExpiry(url: string): number | undefined {
  try {
    const oe = new URL(url).searchParams.get("oe");
    if (oe === null || !/^[0-9a-fA-F]{8}$/.test(oe)) return undefined;
    return Number.parseInt(oe, 16) * 1000;
  } catch {
    return undefined;
  }
}

function malformed(kind: string, error: z.ZodError, channel: Channel): WebhookEvent {
  const paths = [...new Set(error.issues.map((issue) => issue.path.map(String).join(".")))];
  return { kind: "malformed", eventKind: kind, paths: paths.slice(0, 10), channel };
}

/** Field names of unknown events are logged; keep them short and plain so no data rides along. */
function fieldName(key: string): string {
  return /^[a-z_]{1,40}$/.test(key) ? key : "(other)";
}
