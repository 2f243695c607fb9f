import {
  type AttributeValue,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { MessageRecord, Reaction } from "../../domain/message";
import {
  type ConversationEffect,
  combineEffects,
  previewText,
  windowTime,
} from "../../domain/webhook/conversation-effect";
import type {
  ConversationRef,
  InboundStore,
  MessageTarget,
  NewMessage,
  WriteOutcome,
} from "../../domain/webhook/ingest";
import { allOf, UpdateBuilder } from "./inbound-expression";
import { Keys } from "./keys";

/** A message item created by an edit, unsend, reaction or read that arrived before its message. */
export const PENDING_MESSAGE_ENTITY = "message_pending";
/** Pending items the message never catches up with expire (TTL) after this long. */
const PENDING_TTL_SECONDS = 30 * 24 * 3600;
/** Retries of a transaction that lost a race with a concurrent delivery to the same conversation. */
const MAX_ATTEMPTS = 8;

/** Cancellation reasons worth another attempt: a concurrent write to the same item, or throttling. */
const RETRYABLE_REASONS = new Set([
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
]);

type RawItem = Record<string, AttributeValue>;

const iso = (epochMs: number) => new Date(epochMs).toISOString();

/**
 * DynamoDB implementation of the inbound writes (docs/webhooks.md explains each). Every write is guarded
 * by a condition, so any repetition or reordering of deliveries converges on the same items:
 * - a message is written once, in one transaction with its conversation update (counts stay exact);
 * - conversation activity and the reply window only move forward (the transaction falls back to a
 *   weaker conversation update when the condition says the event is older);
 * - edits, unsends, reactions and reads update the message they point at, or a pending item that the
 *   message merges into when it arrives (so nothing is lost and an unsent message never comes back).
 */
export function dynamoInboundStore(
  db: DynamoDBDocumentClient,
  tableName: string,
  now: () => number = Date.now,
): InboundStore {
  const update = async (input: Omit<UpdateCommandInput, "TableName">): Promise<"ok" | { old?: RawItem }> => {
    try {
      await db.send(new UpdateCommand({ TableName: tableName, ...input }));
      return "ok";
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return error.Item ? { old: error.Item } : {};
      throw error;
    }
  };

  const updateInput = (
    key: Record<string, string>,
    builder: UpdateBuilder,
    condition: string | undefined,
  ) => ({
    Key: key,
    UpdateExpression: builder.expression(),
    ...(condition === undefined ? {} : { ConditionExpression: condition }),
    ...builder.attributes(),
  });

  async function recordMessage(message: MessageRecord, effect: ConversationEffect): Promise<WriteOutcome> {
    // The pending item (edit, unsend, reaction or read that arrived first) this message merges into, once seen.
    let pending: RawItem | undefined;
    let levels = conversationLevels(effect);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const level = levels[0] ?? NO_MOVE;
      const mode: MessageWriteMode =
        pending === undefined ? "new" : pending.deleted !== undefined ? "unsent" : "merge";
      const editedText = pending?.text?.S;
      const applied: ConversationEffect =
        mode === "unsent"
          ? { ...effect, preview: undefined }
          : editedText === undefined
            ? effect
            : { ...effect, preview: previewText(editedText) };
      const messageWrite = messageUpdate(message, mode, now());
      const conversationWrite = conversationUpdate(message, applied, level);
      try {
        await db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName,
                  ...updateInput(
                    Keys.message(message.imoId, message.messageId),
                    messageWrite.builder,
                    messageWrite.condition,
                  ),
                  ReturnValuesOnConditionCheckFailure: "ALL_OLD",
                },
              },
              {
                Update: {
                  TableName: tableName,
                  ...updateInput(
                    Keys.conversation(message.imoId, message.igAccountId, message.igsid),
                    conversationWrite.builder,
                    conversationWrite.condition,
                  ),
                },
              },
            ],
          }),
        );
        return "applied";
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [messageReason, conversationReason] = error.CancellationReasons ?? [];
        if (messageReason?.Code === "ConditionalCheckFailed") {
          const old = messageReason.Item;
          if (entityOf(old) === "message") return "duplicate";
          // A pending item appeared, changed, or expired: write again against what is there now.
          pending = entityOf(old) === PENDING_MESSAGE_ENTITY ? old : undefined;
          continue;
        }
        if (conversationReason?.Code === "ConditionalCheckFailed") {
          levels = levels.slice(1);
          continue;
        }
        if (error.CancellationReasons?.some((reason) => RETRYABLE_REASONS.has(reason.Code ?? ""))) {
          await backoff(attempt);
          continue;
        }
        throw error;
      }
    }
    throw new Error("The message write kept conflicting; the delivery will be retried");
  }

  /**
   * Several new messages of one conversation in one transaction (each message conditioned on nothing being
   * stored under its mid, plus one conversation update for all of them). If any of them is already there
   * (a redelivery, or a pending item), the transaction changes nothing and each message is written alone.
   */
  async function recordMessages(batch: readonly NewMessage[]): Promise<WriteOutcome[]> {
    const first = batch[0];
    if (first === undefined) return [];
    if (batch.length === 1) return [await recordMessage(first.message, first.effect)];
    const combined = combineEffects(batch.map((item) => item.effect));
    let levels = conversationLevels(combined);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const conversationWrite = conversationUpdate(first.message, combined, levels[0] ?? NO_MOVE);
      const messageWrites = batch.map(({ message }) => {
        const write = messageUpdate(message, "new", now());
        return {
          Update: {
            TableName: tableName,
            ...updateInput(Keys.message(message.imoId, message.messageId), write.builder, write.condition),
            ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
          },
        };
      });
      try {
        await db.send(
          new TransactWriteCommand({
            TransactItems: [
              ...messageWrites,
              {
                Update: {
                  TableName: tableName,
                  ...updateInput(
                    Keys.conversation(first.message.imoId, first.message.igAccountId, first.message.igsid),
                    conversationWrite.builder,
                    conversationWrite.condition,
                  ),
                },
              },
            ],
          }),
        );
        return batch.map(() => "applied");
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons.slice(0, batch.length).some((reason) => reason.Code === "ConditionalCheckFailed")) {
          return recordAfterConflict(batch, reasons.slice(0, batch.length));
        }
        if (reasons[batch.length]?.Code === "ConditionalCheckFailed") {
          levels = levels.slice(1);
          continue;
        }
        if (reasons.some((reason) => RETRYABLE_REASONS.has(reason.Code ?? ""))) {
          await backoff(attempt);
          continue;
        }
        throw error;
      }
    }
    throw new Error("The message write kept conflicting; the delivery will be retried");
  }

  /**
   * After a batch failed on some of its messages: those already stored are duplicates (no further
   * request), those with a pending item are written alone, and the rest are written together again.
   */
  async function recordAfterConflict(
    batch: readonly NewMessage[],
    reasons: readonly { Code?: string; Item?: RawItem }[],
  ): Promise<WriteOutcome[]> {
    const outcomes: (WriteOutcome | undefined)[] = batch.map(() => undefined);
    const untouched: number[] = [];
    for (const [index, item] of batch.entries()) {
      const reason = reasons[index];
      if (reason?.Code !== "ConditionalCheckFailed") untouched.push(index);
      else if (entityOf(reason.Item) === "message") outcomes[index] = "duplicate";
      else outcomes[index] = await recordMessage(item.message, item.effect);
    }
    const rest = await recordMessages(untouched.map((index) => batch[index] as NewMessage));
    for (const [position, index] of untouched.entries()) outcomes[index] = rest[position];
    return outcomes.map((outcome) => {
      if (outcome === undefined) throw new Error("A message of the batch was left unwritten");
      return outcome;
    });
  }

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
    recordMessage,
    recordMessages,

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
        .setIfNotExists("gsi1sk", `${iso(at)}#${ref.igsid}`)
        .set(fact, { at, ...(fact === "optin" ? { fields } : { referral: fields }) });
      const current = builder.path(fact);
      const condition = `attribute_not_exists(${current}) OR ${current}.${builder.path("at")} < ${builder.value(at)}`;
      const outcome = await update(
        updateInput(Keys.conversation(ref.imoId, ref.igAccountId, ref.igsid), builder, condition),
      );
      return outcome === "ok" ? "applied" : "stale";
    },
  };
}

/** Which parts of the conversation an event may move, tried strongest first. */
interface Level {
  readonly activity: boolean;
  readonly window: boolean;
}
const NO_MOVE: Level = { activity: false, window: false };
const ACTIVITY_ONLY: Level = { activity: true, window: false };

function conversationLevels(effect: ConversationEffect): Level[] {
  const levels: Level[] = effect.opensWindow
    ? [{ activity: true, window: true }, ACTIVITY_ONLY, { activity: false, window: true }, NO_MOVE]
    : [ACTIVITY_ONLY, NO_MOVE];
  return levels;
}

/** The attributes every conversation item carries (written on each update: constant, so idempotent). */
function conversationIdentity(builder: UpdateBuilder, ref: ConversationRef): UpdateBuilder {
  return builder
    .set("entity", "conversation")
    .set("imoId", ref.imoId)
    .set("igAccountId", ref.igAccountId)
    .set("igsid", ref.igsid)
    .set("gsi1pk", Keys.inbox(ref.imoId, ref.igAccountId).gsi1pk);
}

/** The conversation half of a message write at one level; the condition keeps every move forward-only. */
function conversationUpdate(
  ref: ConversationRef,
  effect: ConversationEffect,
  level: Level,
): { builder: UpdateBuilder; condition: string | undefined } {
  const builder = conversationIdentity(new UpdateBuilder(), ref).add("unreadCount", effect.unreadIncrement);
  const clauses: string[] = [];
  if (level.activity) {
    builder
      .set("lastActivityAt", effect.at)
      .set("gsi1sk", `${iso(effect.at)}#${ref.igsid}`)
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
type MessageWriteMode = "new" | "merge" | "unsent";

/** The message half of a message write: every field of the record, conditioned on what the mode expects. */
function messageUpdate(
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
    .set("gsi1sk", `${iso(message.sentAt)}#${message.messageId}`)
    .set("receivedAt", receivedAt)
    .setIfNotExists("reactions", {})
    .set("replyToMid", message.replyToMid)
    .set("replyToStory", message.replyToStory)
    .set("quickReplyPayload", message.quickReplyPayload)
    .set("postbackPayload", message.postbackPayload)
    .set("referral", message.referral)
    .set("unsupported", message.unsupported);
  if (mode === "new") {
    builder.set("text", message.text).set("attachments", message.attachments);
    return { builder, condition: `attribute_not_exists(${builder.path("pk")})` };
  }
  builder.remove("expiresAt");
  const entity = `${builder.path("entity")} = ${builder.value(PENDING_MESSAGE_ENTITY)}`;
  if (mode === "unsent") return { builder, condition: entity };
  // An edit that arrived first already holds the newer text.
  builder.setIfNotExists("text", message.text).set("attachments", message.attachments);
  return { builder, condition: allOf(entity, `attribute_not_exists(${builder.path("deleted")})`) };
}

/** Fields of a pending message item: enough to find its conversation, and a TTL until the message arrives. */
function pendingFields(
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
    .set("expiresAt", Math.floor(now / 1000) + PENDING_TTL_SECONDS);
  if (withReactions) builder.set("reactions", {});
}

function entityOf(item: RawItem | undefined): string | undefined {
  return item?.entity?.S;
}

async function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * 20 * 2 ** attempt;
  await new Promise((resolve) => setTimeout(resolve, ms));
}
