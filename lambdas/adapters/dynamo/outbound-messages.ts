import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { OutboundStatus } from "../../domain/message";
import type {
  IdempotencyRecord,
  OutboundMessage,
  OutboundRef,
  OutboundStore,
} from "../../domain/outbound/ports";
import { type DynamoAccess, noteCapacity } from "./capacity";
import { isConditionFailure, updateIf } from "./conditional";
import { idempotencyFromItem, idempotencyItem } from "./idempotency";
import { Keys } from "./keys";
import { outboundFromItem, outboundItem } from "./outbound-item";
import { noteReplyActivity } from "./reply-activity";
import { UpdateBuilder } from "./update-expression";

/** Outbound messages in the single table; every status change is conditioned on the status it leaves. */
export function dynamoOutboundStore(access: DynamoAccess, clock: () => number = Date.now): OutboundStore {
  const { db, tableName, meter } = access;

  async function transition(
    message: OutboundMessage,
    from: OutboundStatus,
    set: Record<string, unknown>,
    remove: readonly string[] = [],
    options: { readonly alsoIf?: { readonly status: OutboundStatus; readonly mid: string } } = {},
  ): Promise<boolean> {
    const builder = new UpdateBuilder();
    for (const [field, value] of Object.entries(set)) builder.set(field, value);
    for (const field of remove) builder.remove(field);
    let condition = `${builder.path("status")} = ${builder.value(from)}`;
    const also = options.alsoIf;
    if (also !== undefined) {
      condition = `${condition} OR (${builder.path("status")} = ${builder.value(also.status)} AND ${builder.path("mid")} = ${builder.value(also.mid)})`;
    }
    return updateIf(access, Keys.message(message.imoId, message.messageId), builder, condition);
  }

  async function put(item: Record<string, unknown>): Promise<void> {
    const result = await db.send(
      new PutCommand({ TableName: tableName, Item: item, ReturnConsumedCapacity: "TOTAL" }),
    );
    noteCapacity(meter, result.ConsumedCapacity, "write");
  }

  async function deleteIf(
    key: Record<string, string>,
    condition: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      const result = await db.send(
        new DeleteCommand({
          TableName: tableName,
          Key: key,
          ConditionExpression: condition,
          ...(Object.keys(names).length === 0 ? {} : { ExpressionAttributeNames: names }),
          ExpressionAttributeValues: values,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      noteCapacity(meter, result.ConsumedCapacity, "write");
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  return {
    async get(ref: OutboundRef) {
      const result = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: Keys.message(ref.imoId, ref.messageId),
          ConsistentRead: true,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      noteCapacity(meter, result.ConsumedCapacity, "read");
      return result.Item ? outboundFromItem(result.Item) : undefined;
    },

    async idempotency(imoId, userId, key): Promise<IdempotencyRecord | undefined> {
      const result = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: Keys.idempotencyKey(imoId, userId, key),
          ConsistentRead: true,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      noteCapacity(meter, result.ConsumedCapacity, "read");
      return idempotencyFromItem(result.Item, clock());
    },

    async create(message, idempotency) {
      const now = clock();
      const plain = outboundItem(message, now);
      if (idempotency === undefined) {
        const result = await db.send(
          new PutCommand({
            TableName: tableName,
            Item: plain,
            ConditionExpression: "attribute_not_exists(pk)",
            ReturnConsumedCapacity: "TOTAL",
          }),
        );
        noteCapacity(meter, result.ConsumedCapacity, "write");
        return "created";
      }
      // The message names its idempotency record, so erasing the message erases the record too.
      const item = {
        ...plain,
        idempotencyPk: Keys.idempotencyKey(message.imoId, message.userId, idempotency.key).pk,
      };
      try {
        const result = await db.send(
          new TransactWriteCommand({
            ReturnConsumedCapacity: "TOTAL",
            TransactItems: [
              { Put: { TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" } },
              {
                Put: {
                  TableName: tableName,
                  Item: idempotencyItem(
                    message.imoId,
                    message.userId,
                    idempotency.key,
                    { messageId: message.messageId, requestHash: idempotency.requestHash },
                    now,
                  ),
                  // An expired key that TTL has not swept yet may be reused.
                  ConditionExpression: "attribute_not_exists(pk) OR expiresAt <= :nowSeconds",
                  ExpressionAttributeValues: { ":nowSeconds": Math.floor(now / 1000) },
                },
              },
            ],
          }),
        );
        noteCapacity(meter, result.ConsumedCapacity, "write");
        return "created";
      } catch (error) {
        if (error instanceof TransactionCanceledException) {
          const reasons = error.CancellationReasons ?? [];
          if (reasons[1]?.Code === "ConditionalCheckFailed") return "key_taken";
        }
        throw error;
      }
    },

    holdSlot: (message, slotAt) => transition(message, "queued", { slotAt, updatedAt: clock() }),

    markSending: (message, slotAt, now) =>
      transition(message, "queued", {
        status: "sending",
        slotAt,
        attempts: message.attempts + 1,
        updatedAt: now,
      }),

    async markSent(message, mid, now) {
      // No transaction (it would double every unit). The pointer first: from then on an echo is matched to this
      // message — one between the pointer and `sent` marks it sent itself (accepted below), and a crash between
      // them leaves a `sending` message that its echo confirms, or that ends `delivery_unconfirmed`.
      const pointer = Keys.sentMid(message.imoId, mid);
      await put({
        ...pointer,
        entity: "sentMid",
        imoId: message.imoId,
        messageId: message.messageId,
        mid,
        createdAt: now,
      });
      const sent = await transition(
        message,
        "sending",
        { status: "sent", mid, sentAt: now, updatedAt: now },
        [],
        {
          alsoIf: { status: "sent", mid },
        },
      );
      if (!sent) {
        // Not ours to mark (erased meanwhile, or no longer `sending`): leave nothing behind, and say so.
        await deleteIf(pointer, "messageId = :id", {}, { ":id": message.messageId });
        throw new Error("The message left `sending` before it could be marked sent");
      }
      await Promise.all([
        // An echo that arrived before the pointer was stored under its mid: this message replaces it. Never a
        // customer's message; an echo (or a placeholder an early reaction left) gives way.
        deleteIf(
          Keys.message(message.imoId, mid),
          "attribute_not_exists(pk) OR attribute_not_exists(#source) OR #source = :echo",
          { "#source": "source" },
          { ":echo": "echo" },
        ),
        // A conversation that moved on (or was erased) must not undo the send: its own conditional write.
        noteReplyActivity(access, message, now),
      ]);
    },

    async requeue(message, slotAt, now) {
      await transition(message, "sending", { status: "queued", slotAt, updatedAt: now });
    },

    markFailed: (message, from, reason, now) =>
      transition(message, from, { status: "failed", failureReason: reason, updatedAt: now }),
  };
}
