import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { MessageRecord } from "../../domain/message";
import {
  type ConversationEffect,
  combineEffects,
  previewText,
} from "../../domain/webhook/conversation-effect";
import { conversationLevels, NO_MOVE } from "../../domain/webhook/conversation-levels";
import type { NewMessage, WriteOutcome } from "../../domain/webhook/ports";
import type { RawItem } from "./conditional";
import {
  conversationUpdate,
  entityOf,
  type MessageWriteMode,
  messageUpdate,
  PENDING_MESSAGE_ENTITY,
} from "./inbound-items";
import { Keys } from "./keys";
import { updateInput } from "./update-expression";

/** Retries of a transaction that lost a race with a concurrent delivery to the same conversation. */
const MAX_ATTEMPTS = 8;

/** Cancellation reasons worth another attempt: a concurrent write to the same item, or throttling. */
const RETRYABLE_REASONS = new Set([
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
]);

/**
 * New messages: each written once, in one transaction with its conversation update (counts stay exact);
 * the conversation update falls back level by level (the domain's forward-only policy) when the
 * condition says the event is older than what the conversation holds.
 */
export function inboundMessageWrites(db: DynamoDBDocumentClient, tableName: string, now: () => number) {
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

  return { recordMessage, recordMessages };
}

async function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * 20 * 2 ** attempt;
  await new Promise((resolve) => setTimeout(resolve, ms));
}
