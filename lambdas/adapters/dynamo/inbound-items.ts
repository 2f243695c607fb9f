import type { MessageRecord } from "../../domain/message";
import { type ConversationEffect, windowTime } from "../../domain/webhook/conversation-effect";
import type { ConversationLevel } from "../../domain/webhook/conversation-levels";
import type { ConversationRef, MessageTarget } from "../../domain/webhook/ports";
import { sortKeyTime, ttlSeconds } from "./dates";
import { Keys } from "./keys";
import { allOf, UpdateBuilder } from "./update-expression";

/** A message item created by an edit, unsend, reaction or read that arrived before its message. */
export const PENDING_MESSAGE_ENTITY = "message_pending";
/** Pending items the message never catches up with expire (TTL) after this long. */
const PENDING_TTL_SECONDS = 30 * 24 * 3600;
/** Cancellation reasons worth another attempt: a concurrent write to the same item, or throttling. */
const _RETRYABLE_REASONS = new Set([
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
]);

import type { RawItem } from "./conditional";

/** The attributes every conversation item carries (written on each update: constant, so idempotent). */
export function conversationIdentity(builder: UpdateBuilder, ref: ConversationRef): UpdateBuilder {
  return builder
    .set("entity", "conversation")
    .set("imoId", ref.imoId)
    .set("igAccountId", ref.igAccountId)
    .set("igsid", ref.igsid)
    .set("gsi1pk", Keys.inbox(ref.imoId, ref.igAccountId).gsi1pk);
}

/** The conversation half of a message write at one level; the condition keeps every move forward-only. */
export function conversationUpdate(
  ref: ConversationRef,
  effect: ConversationEffect,
  level: ConversationLevel,
): { builder: UpdateBuilder; condition: string | undefined } {
  const builder = conversationIdentity(new UpdateBuilder(), ref).add("unreadCount", effect.unreadIncrement);
  const clauses: string[] = [];
  if (level.activity) {
    builder
      .set("lastActivityAt", effect.at)
      .set("gsi1sk", `${sortKeyTime(effect.at)}#${ref.igsid}`)
      .set("lastMessageDirection", effect.direction)
      .set("lastMessageId", effect.messageId);
    if (effect.preview === undefined) builder.remove("lastMessagePreview");
    else builder.set("lastMessagePreview", effect.preview);
    const at = builder.path("lastActivityAt");
    clauses.push(`attribute_not_exists(${at}) OR ${at} <= ${builder.value(effect.at)}`);
  }
  if (level.window) {
    const windowAt = windowTime(effect);
    builder.set("lastCustomerMessageAt", windowAt);
    const anchor = builder.path("lastCustomerMessageAt");
    clauses.push(`attribute_not_exists(${anchor}) OR ${anchor} <= ${builder.value(windowAt)}`);
  }
  return { builder, condition: allOf(...clauses) };
}

/**
 * How a new message is written: `new` when nothing is stored under its mid; `merge` into a pending item
 * (an edit's newer text is kept); `unsent` when the pending item says it was unsent (no content, ever).
 */
export type MessageWriteMode = "new" | "merge" | "unsent";

/** The message half of a message write: every field of the record, conditioned on what the mode expects. */
export function messageUpdate(
  message: MessageRecord,
  mode: MessageWriteMode,
  receivedAt: number,
): { builder: UpdateBuilder; condition: string | undefined } {
  const conversation = Keys.conversationMessages(message.imoId, message.igAccountId, message.igsid);
  const builder = new UpdateBuilder()
    .set("entity", "message")
    .set("imoId", message.imoId)
    .set("igAccountId", message.igAccountId)
    .set("igsid", message.igsid)
    .set("messageId", message.messageId)
    .set("mid", message.mid)
    .set("direction", message.direction)
    .set("source", message.source)
    .set("sentAt", message.sentAt)
    .set("gsi1pk", conversation.gsi1pk)
    .set("gsi1sk", `${sortKeyTime(message.sentAt)}#${message.messageId}`)
    .set("receivedAt", receivedAt)
    .setIfNotExists("reactions", {})
    .set("replyToMid", message.replyToMid)
    .set("replyToStory", message.replyToStory)
    .set("quickReplyPayload", message.quickReplyPayload)
    .set("postbackPayload", message.postbackPayload)
    .set("tap", message.tap)
    .set("referral", message.referral)
    .set("standby", message.standby)
    .set("unsupported", message.unsupported)
    // Only imported history carries a status here (an outbound message Meta already has is `sent`).
    .set("status", message.status);
  if (mode === "new") {
    builder.set("text", message.text).set("attachments", message.attachments);
    return { builder, condition: `attribute_not_exists(${builder.path("pk")})` };
  }
  // A message merged into a pending item leaves the pending index (gsi2) with its TTL.
  builder.remove("expiresAt").remove("gsi2pk").remove("gsi2sk");
  const entity = `${builder.path("entity")} = ${builder.value(PENDING_MESSAGE_ENTITY)}`;
  if (mode === "unsent") return { builder, condition: entity };
  // An edit that arrived first already holds the newer text.
  builder.setIfNotExists("text", message.text).set("attachments", message.attachments);
  return { builder, condition: allOf(entity, `attribute_not_exists(${builder.path("deleted")})`) };
}

/** Fields of a pending message item: enough to find its conversation, and a TTL until the message arrives. */
export function pendingFields(
  builder: UpdateBuilder,
  target: MessageTarget,
  withReactions: boolean,
  now: number,
): void {
  builder
    .set("entity", PENDING_MESSAGE_ENTITY)
    .set("imoId", target.imoId)
    .set("igAccountId", target.igAccountId)
    .set("igsid", target.igsid)
    .set("messageId", target.mid)
    .set("mid", target.mid)
    // Indexed by account so a data deletion finds what waits for a message that never came (it holds text).
    .set("gsi2pk", Keys.pendingByAccount(target.imoId, target.igAccountId).gsi2pk)
    .set("gsi2sk", target.mid)
    .set("expiresAt", ttlSeconds(now + PENDING_TTL_SECONDS * 1000));
  if (withReactions) builder.set("reactions", {});
}

export function entityOf(item: RawItem | undefined): string | undefined {
  return item?.entity?.S;
}
