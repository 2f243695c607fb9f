import { isoTime } from "../contract/api/common";
import type { MessageStatusBody } from "../contract/api/messages";
import type { OutboundMessage } from "../domain/outbound/ports";

/** `GET /instagram/messages/{messageId}`: the status of a message the caller sent. */
export function messageStatusBody(message: OutboundMessage & { conversationId: string }): MessageStatusBody {
  return {
    messageId: message.messageId,
    conversationId: message.conversationId,
    status: message.status,
    ...(message.mid === undefined ? {} : { mid: message.mid }),
    ...(message.failureReason === undefined ? {} : { failureReason: message.failureReason }),
    acceptedAt: isoTime(message.acceptedAt),
    ...(message.sentAt === undefined ? {} : { sentAt: isoTime(message.sentAt) }),
    ...(message.parts === undefined ? {} : { parts: message.parts.map((part) => ({ ...part })) }),
  };
}
