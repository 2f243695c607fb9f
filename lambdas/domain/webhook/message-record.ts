import type { MessageRecord, Reaction, Tap } from "../message";
import type { MessageEvent, PostbackEvent, StorableEvent } from "./events";
import type { ConversationRef } from "./ports";
import { postbackMessageId } from "./taps";

/** The stored reaction of a reaction event (an unreact is kept as a removed reaction, so order does not matter). */
export function reactionOf(event: Extract<StorableEvent, { kind: "reaction" }>): Reaction {
  if (event.action === "unreact") return { reaction: "", at: event.timestamp, removed: true };
  return {
    reaction: event.reaction ?? event.emoji ?? "",
    ...(event.emoji === undefined ? {} : { emoji: event.emoji }),
    at: event.timestamp,
  };
}

/**
 * The stored record of a new message (customer message, unmatched echo, or postback); `tap` is what a quick
 * reply or button tap answered (taps.ts). A postback is stored under the tap's own id, and keeps Meta's `mid`.
 */
export function messageRecord(
  ref: ConversationRef,
  event: MessageEvent | PostbackEvent,
  tap?: Tap,
): MessageRecord {
  const tapped = tap === undefined ? {} : { tap };
  if (event.kind === "postback") {
    return {
      ...ref,
      messageId: postbackMessageId(event),
      ...(event.mid === undefined ? {} : { mid: event.mid }),
      direction: "inbound",
      source: "customer",
      sentAt: event.timestamp,
      ...(event.title === undefined ? {} : { text: event.title }),
      ...(event.payload === undefined ? {} : { postbackPayload: event.payload }),
      ...tapped,
      ...(event.referral === undefined ? {} : { referral: event.referral }),
      ...(event.channel === "standby" ? { standby: true } : {}),
    };
  }
  return {
    ...ref,
    messageId: event.mid,
    mid: event.mid,
    direction: event.direction,
    source: event.direction === "inbound" ? "customer" : "echo",
    sentAt: event.timestamp,
    ...(event.text === undefined ? {} : { text: event.text }),
    ...(event.attachments.length === 0 ? {} : { attachments: event.attachments }),
    ...(event.replyToMid === undefined ? {} : { replyToMid: event.replyToMid }),
    ...(event.replyToStory === undefined ? {} : { replyToStory: event.replyToStory }),
    ...(event.quickReplyPayload === undefined ? {} : { quickReplyPayload: event.quickReplyPayload }),
    ...tapped,
    ...(event.referral === undefined ? {} : { referral: event.referral }),
    ...(event.unsupported ? { unsupported: true } : {}),
    ...(event.channel === "standby" ? { standby: true } : {}),
  };
}
