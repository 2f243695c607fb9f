import { SENDABLE_ATTACHMENT_TYPES, type SendableAttachmentType } from "../../contract/vocabulary";
import type { OutboundStatus, SendFailureReason } from "../../domain/message";
import type { OutboundContent, OutboundMessage } from "../../domain/outbound/ports";
import { sortKeyTime } from "./dates";
import { Keys } from "./keys";
import { contentAttributes, isRichItem, partFieldsOf, richContentOf } from "./outbound-rich-item";

const CONTENT_TYPES: ReadonlySet<string> = new Set(SENDABLE_ATTACHMENT_TYPES);

/** The stored item of an outbound message: a MessageRecord (direction outbound, source api) plus send state. */
export function outboundItem(message: OutboundMessage, now: number): Record<string, unknown> {
  const content = contentAttributes(message.content);
  return {
    ...Keys.message(message.imoId, message.messageId),
    ...Keys.conversationMessages(message.imoId, message.igAccountId, message.igsid),
    gsi1sk: `${sortKeyTime(message.acceptedAt)}#${message.messageId}`,
    entity: "message",
    imoId: message.imoId,
    igAccountId: message.igAccountId,
    igsid: message.igsid,
    messageId: message.messageId,
    direction: "outbound",
    source: "api",
    sentAt: message.acceptedAt,
    ...content,
    status: message.status,
    userId: message.userId,
    ...(message.tag ? { tag: message.tag } : {}),
    acceptedAt: message.acceptedAt,
    attempts: message.attempts,
    updatedAt: now,
  };
}

/** Reads an outbound message back; anything else stored under the id (an inbound mid) is not one. */
export function outboundFromItem(item: Record<string, unknown>): OutboundMessage | undefined {
  if (item.source !== "api" || item.direction !== "outbound") return undefined;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  const attachment = Array.isArray(item.attachments)
    ? (item.attachments[0] as Record<string, unknown>)
    : undefined;
  let content: OutboundContent | undefined;
  const text = str(item.text);
  if (isRichItem(item.rich)) content = richContentOf(item.rich, text, item.attachments);
  else if (text !== undefined) content = { text };
  else if (attachment && CONTENT_TYPES.has(String(attachment.type)) && typeof attachment.url === "string") {
    content = {
      attachment: { type: attachment.type as SendableAttachmentType, url: attachment.url },
    };
  }
  if (content === undefined) return undefined;
  const imoId = str(item.imoId);
  const userId = str(item.userId);
  const igAccountId = str(item.igAccountId);
  const igsid = str(item.igsid);
  const messageId = str(item.messageId);
  const status = str(item.status) as OutboundStatus | undefined;
  if (!imoId || !userId || !igAccountId || !igsid || !messageId || !status) return undefined;
  const slotAt = num(item.slotAt);
  const mid = str(item.mid);
  const failureReason = str(item.failureReason) as SendFailureReason | undefined;
  return {
    imoId,
    userId,
    igAccountId,
    igsid,
    messageId,
    status,
    content,
    ...(item.tag === "HUMAN_AGENT" ? { tag: "HUMAN_AGENT" as const } : {}),
    acceptedAt: num(item.acceptedAt) ?? num(item.sentAt) ?? 0,
    attempts: num(item.attempts) ?? 0,
    ...(slotAt === undefined ? {} : { slotAt }),
    ...(item.status === "sending" && num(item.updatedAt) !== undefined
      ? { sendingSince: num(item.updatedAt) }
      : {}),
    ...(mid === undefined ? {} : { mid }),
    ...(item.status === "sent" && num(item.sentAt) !== undefined ? { sentAt: num(item.sentAt) } : {}),
    ...(failureReason === undefined ? {} : { failureReason }),
    ...partFieldsOf(item),
  };
}
