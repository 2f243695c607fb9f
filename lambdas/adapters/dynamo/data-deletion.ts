import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { DataDeletionRecord, DataDeletionStore, ErasureCounts } from "../../domain/connect/ports";
import { Keys } from "./keys";

/** Status records of data deletion requests, which are also the state of their erasure jobs (no personal data). */
export function dynamoDataDeletionStore(db: DynamoDBDocumentClient, tableName: string): DataDeletionStore {
  const key = (code: string) => Keys.dataDeletion(code);
  /** An update that may lose its condition: false then, other errors thrown. */
  const updateIf = async (input: Omit<ConstructorParameters<typeof UpdateCommand>[0], "TableName">) => {
    try {
      await db.send(new UpdateCommand({ TableName: tableName, ...input }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  };

  return {
    async get(code): Promise<DataDeletionRecord | undefined> {
      const result = await db.send(
        new GetCommand({ TableName: tableName, Key: key(code), ConsistentRead: true }),
      );
      const item = result.Item;
      if (item === undefined || (item.status !== "pending" && item.status !== "completed")) return undefined;
      const erased = item.erased as Partial<ErasureCounts> | undefined;
      return {
        code,
        status: item.status,
        requestedAt: typeof item.requestedAt === "number" ? item.requestedAt : 0,
        ...(typeof item.completedAt === "number" ? { completedAt: item.completedAt } : {}),
        ...(erased === undefined
          ? {}
          : {
              erased: {
                integrations: erased.integrations ?? 0,
                conversations: erased.conversations ?? 0,
                messages: erased.messages ?? 0,
                other: erased.other ?? 0,
              },
            }),
      };
    },

    async open(code, requestedAt) {
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...key(code),
              entity: "data_deletion",
              code,
              status: "pending",
              requestedAt,
              queued: false,
              erased: { integrations: 0, conversations: 0, messages: 0, other: 0 },
            },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        );
        return { created: true, queued: false, status: "pending" as const };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const existing = await db.send(
        new GetCommand({ TableName: tableName, Key: key(code), ConsistentRead: true }),
      );
      const item = existing.Item ?? {};
      return {
        created: false,
        queued: item.queued === true,
        status: item.status === "completed" ? ("completed" as const) : ("pending" as const),
      };
    },

    async markQueued(code) {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key(code),
          UpdateExpression: "SET queued = :yes",
          ExpressionAttributeValues: { ":yes": true },
        }),
      );
    },

    takeLease(code, leaseId, now, until) {
      return updateIf({
        Key: key(code),
        UpdateExpression: "SET leaseId = :id, leaseUntil = :until",
        ConditionExpression:
          "#status = :pending AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseId = :id)",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":id": leaseId, ":until": until, ":now": now, ":pending": "pending" },
      });
    },

    async releaseLease(code, leaseId) {
      await updateIf({
        Key: key(code),
        UpdateExpression: "REMOVE leaseId, leaseUntil",
        ConditionExpression: "leaseId = :id",
        ExpressionAttributeValues: { ":id": leaseId },
      });
    },

    async addCounts(code, counts) {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key(code),
          UpdateExpression:
            "ADD erased.integrations :i, erased.conversations :c, erased.messages :m, erased.#other :o",
          ExpressionAttributeNames: { "#other": "other" },
          ExpressionAttributeValues: {
            ":i": counts.integrations,
            ":c": counts.conversations,
            ":m": counts.messages,
            ":o": counts.other,
          },
        }),
      );
    },

    async complete(code, completedAt) {
      await updateIf({
        Key: key(code),
        UpdateExpression: "SET #status = :completed, completedAt = :at",
        ConditionExpression: "#status = :pending",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":completed": "completed", ":pending": "pending", ":at": completedAt },
      });
    },
  };
}
