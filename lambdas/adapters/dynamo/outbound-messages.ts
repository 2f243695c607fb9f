import {
  ConditionalCheckFailedException,
  type ConsumedCapacity,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { SENDABLE_ATTACHMENT_TYPES, type SendableAttachmentType } from "../../contract/vocabulary";
import type { Integration } from "../../domain/integration";
import type { OutboundStatus, SendFailureReason } from "../../domain/message";
import type {
  ConversationWindows,
  IdempotencyRecord,
  IntegrationAccess,
  OutboundContent,
  OutboundMessage,
  OutboundRef,
  OutboundStore,
} from "../../domain/outbound/ports";
import { idempotencyFromItem, idempotencyItem } from "./idempotency";
import { integrationFromItem } from "./integration-item";
import { Keys } from "./keys";

/** Collects consumed capacity units (ReturnConsumedCapacity) so tests and metrics can report cost per message. */
export interface CapacityMeter {
  add(units: { read: number; write: number }): void;
}

/**
 * Adds what one request consumed (a transaction reports one entry per table). `kind` says which units a bare
 * `CapacityUnits` total stands for (DynamoDB Local reports only that total for some requests).
 */
export function noteCapacity(
  meter: CapacityMeter | undefined,
  consumed: ConsumedCapacity | ConsumedCapacity[] | undefined,
  kind: "read" | "write",
): void {
  if (meter === undefined || consumed === undefined) return;
  for (const entry of Array.isArray(consumed) ? consumed : [consumed]) {
    const total = entry.CapacityUnits ?? 0;
    const read = entry.ReadCapacityUnits ?? (kind === "read" ? total : 0);
    const write = entry.WriteCapacityUnits ?? (kind === "write" ? total : 0);
    meter.add({ read, write });
  }
}

export interface DynamoAccess {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly meter?: CapacityMeter;
}

const CONTENT_TYPES: ReadonlySet<string> = new Set(SENDABLE_ATTACHMENT_TYPES);

/** The stored item of an outbound message: a MessageRecord (direction outbound, source api) plus send state. */
export function outboundItem(message: OutboundMessage, now: number): Record<string, unknown> {
  const content: Record<string, unknown> =
    "text" in message.content
      ? { text: message.content.text }
      : { attachments: [{ type: message.content.attachment.type, url: message.content.attachment.url }] };
  return {
    ...Keys.message(message.imoId, message.messageId),
    ...Keys.conversationMessages(message.imoId, message.igAccountId, message.igsid),
    gsi1sk: `${new Date(message.acceptedAt).toISOString()}#${message.messageId}`,
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
  let content: OutboundContent;
  const text = str(item.text);
  if (text !== undefined) content = { text };
  else if (attachment && CONTENT_TYPES.has(String(attachment.type)) && typeof attachment.url === "string") {
    content = {
      attachment: { type: attachment.type as SendableAttachmentType, url: attachment.url },
    };
  } else return undefined;
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
  };
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException;
}

/** Outbound messages in the single table; every status change is conditioned on the status it leaves. */
export function dynamoOutboundStore(access: DynamoAccess, clock: () => number = Date.now): OutboundStore {
  const { db, tableName, meter } = access;

  async function transition(
    message: OutboundMessage,
    from: OutboundStatus,
    set: Record<string, unknown>,
    remove: readonly string[] = [],
  ): Promise<boolean> {
    const names: Record<string, string> = { "#status": "status" };
    const values: Record<string, unknown> = { ":from": from };
    const assignments: string[] = [];
    for (const [field, value] of Object.entries(set)) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      assignments.push(`#${field} = :${field}`);
    }
    for (const field of remove) names[`#${field}`] = field;
    const expression = `SET ${assignments.join(", ")}${remove.length ? ` REMOVE ${remove.map((f) => `#${f}`).join(", ")}` : ""}`;
    try {
      const result = await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: Keys.message(message.imoId, message.messageId),
          UpdateExpression: expression,
          ConditionExpression: "#status = :from",
          ExpressionAttributeNames: names,
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
      const item = outboundItem(message, now);
      if (idempotency === undefined) {
        const result = await db.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: "attribute_not_exists(pk)",
            ReturnConsumedCapacity: "TOTAL",
          }),
        );
        noteCapacity(meter, result.ConsumedCapacity, "write");
        return "created";
      }
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
      const result = await db.send(
        new TransactWriteCommand({
          ReturnConsumedCapacity: "TOTAL",
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: Keys.message(message.imoId, message.messageId),
                UpdateExpression: "SET #status = :sent, mid = :mid, sentAt = :now, updatedAt = :now",
                ConditionExpression: "#status = :sending",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: {
                  ":sent": "sent",
                  ":sending": "sending",
                  ":mid": mid,
                  ":now": now,
                },
              },
            },
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
              // The echo may have arrived first and been stored under its mid: this message replaces it.
              Delete: {
                TableName: tableName,
                Key: Keys.message(message.imoId, mid),
                // Never a customer's message; an echo (or a placeholder an early reaction left) gives way.
                ConditionExpression:
                  "attribute_not_exists(pk) OR attribute_not_exists(#source) OR #source = :echo",
                ExpressionAttributeNames: { "#source": "source" },
                ExpressionAttributeValues: { ":echo": "echo" },
              },
            },
          ],
        }),
      );
      noteCapacity(meter, result.ConsumedCapacity, "write");
    },

    async requeue(message, slotAt, now) {
      await transition(message, "sending", { status: "queued", slotAt, updatedAt: now });
    },

    markFailed: (message, from, reason, now) =>
      transition(message, from, { status: "failed", failureReason: reason, updatedAt: now }),
  };
}

/** The caller's integration, and the one write the sender makes to it (needs_reauth after a token error). */
export function dynamoIntegrationAccess(access: DynamoAccess): IntegrationAccess {
  const { db, tableName, meter } = access;
  return {
    async get(imoId, userId) {
      const result = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: Keys.integration(imoId, userId),
          ConsistentRead: true,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      noteCapacity(meter, result.ConsumedCapacity, "read");
      return result.Item ? integrationFromItem(result.Item) : undefined;
    },
    async markNeedsReauth(integration: Integration, now: number) {
      try {
        const result = await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: Keys.integration(integration.imoId, integration.userId),
            UpdateExpression: "SET #status = :needs, updatedAt = :now, #version = :next",
            ConditionExpression: "#status = :connected AND #version = :version",
            ExpressionAttributeNames: { "#status": "status", "#version": "version" },
            ExpressionAttributeValues: {
              ":needs": "needs_reauth",
              ":connected": "connected",
              ":now": now,
              ":version": integration.version,
              ":next": integration.version + 1,
            },
            ReturnConsumedCapacity: "TOTAL",
          }),
        );
        noteCapacity(meter, result.ConsumedCapacity, "write");
      } catch (error) {
        // Changed meanwhile (reconnected, revoked, already marked): that newer state wins.
        if (!isConditionFailure(error)) throw error;
      }
    },
  };
}

/** Reply-window anchors, read from the conversation items the webhook maintains. */
export function dynamoConversationWindows(access: DynamoAccess): ConversationWindows {
  const { db, tableName, meter } = access;
  return {
    async lastCustomerMessageAt(imoId, igAccountId, igsid) {
      const result = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: Keys.conversation(imoId, igAccountId, igsid),
          ConsistentRead: true,
          ProjectionExpression: "lastCustomerMessageAt",
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      noteCapacity(meter, result.ConsumedCapacity, "read");
      const at = result.Item?.lastCustomerMessageAt;
      return typeof at === "number" ? at : undefined;
    },
  };
}
