import type { MessageRecord } from "../message";
import { type ConversationEffect, messagePreview } from "../webhook/conversation-effect";
import type { NewMessage } from "../webhook/ports";
import type { HistoryMessage } from "./ports";

/** The customer of a conversation: the party of its messages that is not the business account. */
export function customerOf(igAccountId: string, messages: readonly HistoryMessage[]): string | undefined {
  for (const message of messages) {
    if (message.fromId !== igAccountId) return message.fromId;
    const other = message.toIds.find((id) => id !== igAccountId);
    if (other !== undefined) return other;
  }
  return undefined;
}

/**
 * An imported message, stored exactly like a webhook-delivered one (same key: Meta's `mid`, so a message seen both
 * ways is stored once) but marked `source: "history"`: it raises no `message.received` event, counts as read, and
 * an outbound one is `sent` (Meta has it).
 */
export function importedMessage(
  ref: { imoId: string; igAccountId: string; igsid: string },
  message: HistoryMessage,
): NewMessage {
  const direction = message.fromId === ref.igAccountId ? "outbound" : "inbound";
  const record: MessageRecord = {
    ...ref,
    messageId: message.mid,
    mid: message.mid,
    direction,
    source: "history",
    sentAt: message.createdAt,
    ...(message.text === undefined || message.text === "" ? {} : { text: message.text }),
    ...(message.attachments.length === 0 ? {} : { attachments: message.attachments }),
    ...(direction === "outbound" ? { status: "sent" as const } : {}),
  };
  const effect: ConversationEffect = {
    at: message.createdAt,
    messageId: message.mid,
    direction,
    preview: messagePreview({ text: message.text, attachments: message.attachments, unsupported: false }),
    // Imported history is what the business already saw in Instagram: never unread here.
    unreadIncrement: 0,
    // A customer message anchors the window like a webhook one would; the store only ever moves it forward, so an
    // old message never reopens a closed window or replaces a newer preview.
    opensWindow: direction === "inbound",
  };
  return { message: record, effect };
}
