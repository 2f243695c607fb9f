import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { Reaction } from "../../domain/message";
import { previewText } from "../../domain/webhook/conversation-effect";
import { ACTIVITY_ONLY } from "../../domain/webhook/conversation-levels";
import type { InboundStore, MessageTarget, WriteOutcome } from "../../domain/webhook/ports";
import { conditionalUpdate } from "./conditional";
import { sortKeyTime } from "./dates";
import {
  conversationIdentity,
  conversationUpdate,
  entityOf,
  PENDING_MESSAGE_ENTITY,
  pendingFields,
} from "./inbound-items";
import { Keys } from "./keys";
import { allOf, UpdateBuilder, updateInput } from "./update-expression";

type MessageChanges = Omit<InboundStore, "recordMessage" | "recordMessages">;

/**
 * Echoes, unsends, edits, reactions, reads and conversation facts: each updates the message it points at,
 * or a pending item that the message merges into when it arrives (so nothing is lost and an unsent message
 * never comes back).
 */
export function inboundMessageChanges(
  db: DynamoDBDocumentClient,
  tableName: string,
  now: () => number,
): MessageChanges {
  const update = (input: Parameters<typeof conditionalUpdate>[2]) => conditionalUpdate(db, tableName, input);

  /**
   * Applies a change to the message `target.mid` points at: the stored message under that mid, else our
   * own sent message that Meta gave this mid (sent-mid record), else a pending item the message merges
   * into later. `change` fills the update and returns its extra condition (false condition = stale).
   */
  async function applyToMessage(
    target: MessageTarget,
    change: (builder: UpdateBuilder) => string | undefined,
    options: {
      readonly createWith?: (builder: UpdateBuilder) => void;
      readonly needsReactionsMap?: boolean;
    } = {},
  ): Promise<WriteOutcome> {
    const key = Keys.message(target.imoId, target.mid);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const full = new UpdateBuilder();
      const fullCondition = allOf(`${full.path("entity")} = ${full.value("message")}`, change(full));
      const first = await update({
        ...updateInput(key, full, fullCondition),
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      });
      if (first === "ok") return "applied";
      const old = first.old;
      if (entityOf(old) === "message") return "stale";

      if (old === undefined) {
        const sent = await sentMessageId(target);
        if (sent !== undefined)
          return applyToSentMessage(target, sent, change, options.needsReactionsMap === true);
        const create = new UpdateBuilder();
        let createCondition: string | undefined;
        if (options.createWith) options.createWith(create);
        else createCondition = change(create);
        pendingFields(create, target, options.createWith === undefined, now());
        const created = await update(
          updateInput(key, create, allOf(`attribute_not_exists(${create.path("pk")})`, createCondition)),
        );
        if (created === "ok") return "applied";
        continue; // someone wrote the item meanwhile: start over
      }

      const pending = new UpdateBuilder();
      const pendingCondition = allOf(
        `${pending.path("entity")} = ${pending.value(PENDING_MESSAGE_ENTITY)}`,
        change(pending),
      );
      const merged = await update({
        ...updateInput(key, pending, pendingCondition),
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      });
      if (merged === "ok") return "applied";
      if (entityOf(merged.old) !== "message") return "stale";
    }
    throw new Error("The message kept changing under a concurrent delivery; the delivery will be retried");
  }

  async function sentMessageId(target: MessageTarget): Promise<string | undefined> {
    const found = await db.send(
      new GetCommand({
        TableName: tableName,
        Key: Keys.sentMid(target.imoId, target.mid),
        ConsistentRead: true,
      }),
    );
    const messageId = found.Item?.messageId;
    return typeof messageId === "string" ? messageId : undefined;
  }

  async function applyToSentMessage(
    target: MessageTarget,
    messageId: string,
    change: (builder: UpdateBuilder) => string | undefined,
    needsReactionsMap: boolean,
  ): Promise<WriteOutcome> {
    const key = Keys.message(target.imoId, messageId);
    if (needsReactionsMap) {
      const init = new UpdateBuilder().setIfNotExists("reactions", {});
      await update(updateInput(key, init, `attribute_exists(${init.path("pk")})`));
    }
    const builder = new UpdateBuilder();
    const condition = allOf(`attribute_exists(${builder.path("pk")})`, change(builder));
    return (await update(updateInput(key, builder, condition))) === "ok" ? "applied" : "stale";
  }

  async function clearOrUpdatePreview(target: MessageTarget, preview: string | undefined): Promise<void> {
    const builder = new UpdateBuilder();
    if (preview === undefined) builder.remove("lastMessagePreview");
    else builder.set("lastMessagePreview", preview);
    const condition = `${builder.path("lastMessageId")} = ${builder.value(target.mid)}`;
    await update(
      updateInput(Keys.conversation(target.imoId, target.igAccountId, target.igsid), builder, condition),
    );
  }

  return {
    async confirmEcho(ref, mid, effect) {
      const messageId = await sentMessageId({ ...ref, mid });
      if (messageId === undefined) return "unmatched";
      const key = Keys.message(ref.imoId, messageId);
      const sent = new UpdateBuilder()
        .set("mid", mid)
        .setIfNotExists("echoedAt", effect.at)
        .set("status", "sent");
      const sentCondition = `${sent.path("status")} = ${sent.value("sending")}`;
      if ((await update(updateInput(key, sent, sentCondition))) !== "ok") {
        const confirm = new UpdateBuilder().set("mid", mid).setIfNotExists("echoedAt", effect.at);
        const exists = await update(updateInput(key, confirm, `attribute_exists(${confirm.path("pk")})`));
        if (exists !== "ok") return "unmatched";
      }
      const activity = conversationUpdate(ref, { ...effect, unreadIncrement: 0 }, ACTIVITY_ONLY);
      await update(
        updateInput(
          Keys.conversation(ref.imoId, ref.igAccountId, ref.igsid),
          activity.builder,
          activity.condition,
        ),
      );
      return "matched";
    },

    async markDeleted(target, at) {
      const outcome = await applyToMessage(target, (b) => {
        // An unsent message keeps no content and no edit history, whichever order the events came in.
        b.set("deleted", true)
          .setIfNotExists("deletedAt", at)
          .remove("text")
          .remove("attachments")
          .remove("editCount")
          .remove("editedAt");
        return `attribute_not_exists(${b.path("deleted")})`;
      });
      if (outcome === "applied") await clearOrUpdatePreview(target, undefined);
      return outcome === "stale" ? "duplicate" : outcome;
    },

    async applyEdit(target, text, editCount, at) {
      const outcome = await applyToMessage(target, (b) => {
        b.set("text", text).set("editCount", editCount).set("editedAt", at);
        const count = b.path("editCount");
        return allOf(
          `attribute_not_exists(${b.path("deleted")})`,
          `attribute_not_exists(${count}) OR ${count} < ${b.value(editCount)}`,
        );
      });
      if (outcome === "applied") await clearOrUpdatePreview(target, previewText(text));
      return outcome;
    },

    applyReaction(target, actorId, reaction) {
      const stored: Reaction = { ...reaction };
      return applyToMessage(
        target,
        (b) => {
          b.set(`reactions.${actorId}`, stored);
          const current = b.path(`reactions.${actorId}`);
          return `attribute_not_exists(${current}) OR ${current}.${b.path("at")} < ${b.value(reaction.at)}`;
        },
        { createWith: (b) => b.set("reactions", { [actorId]: stored }), needsReactionsMap: true },
      );
    },

    applyRead(target, at) {
      return applyToMessage(target, (b) => {
        b.set("readAt", at);
        const readAt = b.path("readAt");
        return `attribute_not_exists(${readAt}) OR ${readAt} > ${b.value(at)}`;
      });
    },

    async recordConversationFact(ref, fact, fields, at) {
      const builder = conversationIdentity(new UpdateBuilder(), ref)
        .setIfNotExists("unreadCount", 0)
        .setIfNotExists("lastActivityAt", at)
        .setIfNotExists("gsi1sk", `${sortKeyTime(at)}#${ref.igsid}`)
        .set(fact, { at, ...(fact === "optin" ? { fields } : { referral: fields }) });
      const current = builder.path(fact);
      const condition = `attribute_not_exists(${current}) OR ${current}.${builder.path("at")} < ${builder.value(at)}`;
      const outcome = await update(
        updateInput(Keys.conversation(ref.imoId, ref.igAccountId, ref.igsid), builder, condition),
      );
      return outcome === "ok" ? "applied" : "stale";
    },

    async recordAdReferral(ref, referral, at) {
      const builder = conversationIdentity(new UpdateBuilder(), ref)
        .setIfNotExists("unreadCount", 0)
        .setIfNotExists("lastActivityAt", at)
        .setIfNotExists("gsi1sk", `${sortKeyTime(at)}#${ref.igsid}`)
        .set("adReferral", { at, referral });
      const last = builder.path("lastCustomerMessageAt");
      // Once per thread, and only when this message is its first known customer message.
      const condition = allOf(
        `attribute_not_exists(${builder.path("adReferral")})`,
        `attribute_not_exists(${last}) OR ${last} >= ${builder.value(at)}`,
      );
      const outcome = await update(
        updateInput(Keys.conversation(ref.imoId, ref.igAccountId, ref.igsid), builder, condition),
      );
      return outcome === "ok" ? "applied" : "stale";
    },
  };
}
