import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { OutboundStatus, SendFailureReason } from "../../domain/message";
import {
  type PartOf,
  type PartRecord,
  parentStatusAfter,
  partId,
  partMessages,
} from "../../domain/outbound/parts";
import type { OutboundMessage, OutboundStore } from "../../domain/outbound/ports";
import { type DynamoAccess, noteCapacity } from "./capacity";
import { idempotencyItem } from "./idempotency";
import { Keys } from "./keys";
import { outboundItem } from "./outbound-item";
import { partItem, partRecord } from "./outbound-part-item";
import { noteReplyActivity } from "./reply-activity";

/*
 * Messages in parts (lambdas/domain/outbound/parts.ts) in the single table. The parent is an ordinary outbound
 * message item (listed in its conversation, read by the events stream) whose `rich.parts` holds each part's
 * state. Each part is an item of its own under `MSG#<imoId>#<parentId>-p<n>` with entity `messagePart`: no
 * conversation index (the messages route never lists it) and no events (the stream ignores the entity). Every
 * part transition writes the part AND the parent in one transaction, so the parent never disagrees with its
 * parts after a crash. Erasure finds the part items and their mid pointers from the parent (`partKeys`).
 */

type Item = Record<string, unknown>;
type Write = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]>[number];

/**
 * Wraps the plain outbound store: a part's transitions also move its parent, a message in parts is created
 * with all its part items; everything else goes to the plain store unchanged.
 */
export function partAwareStore(
  inner: OutboundStore,
  access: DynamoAccess,
  clock: () => number = Date.now,
): OutboundStore {
  const { db, tableName, meter } = access;

  /** The part's update (conditioned on the status it leaves), the parent's, and any extra writes, at once. */
  async function transact(
    part: OutboundMessage & { part: PartOf },
    from: OutboundStatus,
    partSet: Item,
    parent: { status: OutboundStatus; record: PartRecord; extra?: Item; failLater?: readonly number[] },
    more: Write[] = [],
  ): Promise<boolean> {
    const { parentId, index } = part.part;
    const partNames: Record<string, string> = { "#status": "status" };
    const partValues: Item = { ":from": from };
    const sets = Object.entries(partSet).map(([field, value], i) => {
      partNames[`#f${i}`] = field;
      partValues[`:f${i}`] = value;
      return `#f${i} = :f${i}`;
    });
    const parentValues: Item = { ":record": parent.record, ":status": parent.status };
    const parentSets = [`#rich.#parts[${index}] = :record`, "#status = :status"];
    for (const [field, value] of Object.entries({ ...parent.extra, updatedAt: clock() })) {
      parentValues[`:${field}`] = value;
      parentSets.push(`${field} = :${field}`);
    }
    if (parent.failLater !== undefined && parent.failLater.length > 0) {
      parentValues[":failed"] = "failed";
      parentValues[":later"] = "previous_part_failed";
      for (const later of parent.failLater) {
        parentSets.push(
          `#rich.#parts[${later}].#status = :failed`,
          `#rich.#parts[${later}].failureReason = :later`,
        );
      }
    }
    const items: Write[] = [
      {
        Update: {
          TableName: tableName,
          Key: Keys.message(part.imoId, part.messageId),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: "#status = :from",
          ExpressionAttributeNames: partNames,
          ExpressionAttributeValues: partValues,
        },
      },
      {
        Update: {
          TableName: tableName,
          Key: Keys.message(part.imoId, parentId),
          UpdateExpression: `SET ${parentSets.join(", ")}`,
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#rich": "rich", "#parts": "parts", "#status": "status" },
          ExpressionAttributeValues: parentValues,
        },
      },
      ...more,
    ];
    try {
      const result = await db.send(
        new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: "TOTAL" }),
      );
      noteCapacity(meter, result.ConsumedCapacity, "write");
      return true;
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed"
      ) {
        return false;
      }
      throw error;
    }
  }

  /** A part failed for good: the parent fails with its reason and every later part is never sent. */
  function failPart(
    part: OutboundMessage & { part: PartOf },
    from: "queued" | "sending",
    reason: SendFailureReason,
    now: number,
  ): Promise<boolean> {
    const later: number[] = [];
    for (let index = part.part.index + 1; index < part.part.count; index++) later.push(index);
    return transact(
      part,
      from,
      { status: "failed", failureReason: reason, updatedAt: now },
      {
        status: "failed",
        record: partRecord(part, "failed", { failureReason: reason }),
        extra: { failureReason: reason },
        failLater: later,
      },
      later.map((index) => ({
        Update: {
          TableName: tableName,
          Key: Keys.message(part.imoId, partId(part.part.parentId, index)),
          UpdateExpression: "SET #status = :failed, failureReason = :reason, updatedAt = :now",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":failed": "failed", ":reason": "previous_part_failed", ":now": now },
        },
      })),
    );
  }

  const isPart = (m: OutboundMessage): m is OutboundMessage & { part: PartOf } => m.part !== undefined;

  return {
    ...inner,

    async create(message, idempotency) {
      if (!("media" in message.content)) return inner.create(message, idempotency);
      const now = clock();
      const parent = {
        ...outboundItem(message, now),
        ...(idempotency === undefined
          ? {}
          : { idempotencyPk: Keys.idempotencyKey(message.imoId, message.userId, idempotency.key).pk }),
      };
      const items: Write[] = [parent, ...partMessages(message).map((part) => partItem(part, now))].map(
        (Item) => ({ Put: { TableName: tableName, Item, ConditionExpression: "attribute_not_exists(pk)" } }),
      );
      if (idempotency !== undefined) {
        items.push({
          Put: {
            TableName: tableName,
            Item: idempotencyItem(
              message.imoId,
              message.userId,
              idempotency.key,
              { messageId: message.messageId, requestHash: idempotency.requestHash },
              now,
            ),
            ConditionExpression: "attribute_not_exists(pk) OR expiresAt <= :nowSeconds",
            ExpressionAttributeValues: { ":nowSeconds": Math.floor(now / 1000) },
          },
        });
      }
      try {
        const result = await db.send(
          new TransactWriteCommand({ TransactItems: items, ReturnConsumedCapacity: "TOTAL" }),
        );
        noteCapacity(meter, result.ConsumedCapacity, "write");
        return "created";
      } catch (error) {
        const reasons =
          error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
        if (idempotency !== undefined && reasons[items.length - 1]?.Code === "ConditionalCheckFailed") {
          return "key_taken";
        }
        throw error;
      }
    },

    markSending(message, slotAt, now) {
      if (!isPart(message)) return inner.markSending(message, slotAt, now);
      return transact(
        message,
        "queued",
        { status: "sending", slotAt, attempts: message.attempts + 1, updatedAt: now },
        { status: parentStatusAfter(message.part, "sending"), record: partRecord(message, "sending") },
      );
    },

    async markSent(message, mid, now) {
      if (!isPart(message)) return inner.markSent(message, mid, now);
      const status = parentStatusAfter(message.part, "sent");
      await transact(
        message,
        "sending",
        { status: "sent", mid, sentAt: now, updatedAt: now },
        {
          status,
          record: partRecord(message, "sent", { mid }),
          extra: status === "sent" ? { sentAt: now } : {},
        },
        [
          {
            Put: {
              TableName: tableName,
              Item: {
                ...Keys.sentMid(message.imoId, mid),
                entity: "sentMid",
                imoId: message.imoId,
                messageId: message.messageId,
                mid,
                createdAt: now,
              },
            },
          },
          {
            // An echo that arrived first was stored under its mid: the part replaces it (never a customer's).
            Delete: {
              TableName: tableName,
              Key: Keys.message(message.imoId, mid),
              ConditionExpression:
                "attribute_not_exists(pk) OR attribute_not_exists(#source) OR #source = :echo",
              ExpressionAttributeNames: { "#source": "source" },
              ExpressionAttributeValues: { ":echo": "echo" },
            },
          },
        ],
      ).then((moved) => {
        if (!moved) throw new Error("The part left `sending` before its send was recorded");
      });
      // The inbox line names the app message, not the part.
      await noteReplyActivity(access, { ...message, messageId: message.part.parentId }, now);
    },

    async requeue(message, slotAt, now) {
      if (!isPart(message)) return inner.requeue(message, slotAt, now);
      await transact(
        message,
        "sending",
        { status: "queued", slotAt, updatedAt: now },
        { status: parentStatusAfter(message.part, "queued"), record: partRecord(message, "queued") },
      );
    },

    markFailed(message, from, reason, now) {
      if (isPart(message)) return failPart(message, from, reason, now);
      if (message.parts === undefined) return inner.markFailed(message, from, reason, now);
      // The app message itself (its enqueue failed): fail it from its first part not yet sent, if that part
      // is still queued; a part already in flight finishes, and its later parts stay for the client's retry.
      const first = message.parts.findIndex((p) => p.status !== "sent");
      const part = partMessages(message)[first];
      if (part === undefined || message.parts[first]?.status !== "queued" || !isPart(part)) {
        return Promise.resolve(false);
      }
      return failPart(part, "queued", reason, now);
    },
  };
}
