import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from "@aws-sdk/lib-dynamodb";
import type { DataDeletionRecord, DataDeletionStore } from "../../domain/connect/ports";
import { Keys } from "./keys";
import { gsi1Partition, queryPages } from "./query";

type Key = { pk: string; sk: string };

/** Status records of data deletion requests, and the erasure of an account's conversations and messages. */
export function dynamoDataDeletionStore(db: DynamoDBDocumentClient, tableName: string): DataDeletionStore {
  /** Every item of a gsi1 partition, page by page. */
  const queryAll = (gsi1pk: string, onPage: (items: Record<string, unknown>[]) => Promise<void>) =>
    queryPages(db, gsi1Partition(tableName, gsi1pk), onPage);

  /** Deletes keys 25 at a time, re-sending what DynamoDB reports unprocessed. */
  const deleteAll = async (keys: readonly Key[]) => {
    for (let start = 0; start < keys.length; start += 25) {
      let requests = keys.slice(start, start + 25).map((key) => ({ DeleteRequest: { Key: key } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 8) throw new Error("Data deletion: DynamoDB kept items unprocessed");
        const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (result.UnprocessedItems?.[tableName] ?? []).flatMap((request) =>
          request.DeleteRequest?.Key ? [{ DeleteRequest: { Key: request.DeleteRequest.Key as Key } }] : [],
        );
        if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  };

  const keyOf = (item: Record<string, unknown>): Key[] =>
    typeof item.pk === "string" && typeof item.sk === "string" ? [{ pk: item.pk, sk: item.sk }] : [];

  return {
    async put(record) {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...Keys.dataDeletion(record.code), entity: "data_deletion", ...record },
        }),
      );
    },

    async get(code): Promise<DataDeletionRecord | undefined> {
      const result = await db.send(new GetCommand({ TableName: tableName, Key: Keys.dataDeletion(code) }));
      const item = result.Item;
      if (item === undefined || (item.status !== "pending" && item.status !== "completed")) return undefined;
      const erased = item.erased as DataDeletionRecord["erased"] | undefined;
      return {
        code,
        status: item.status,
        requestedAt: typeof item.requestedAt === "number" ? item.requestedAt : 0,
        ...(typeof item.completedAt === "number" ? { completedAt: item.completedAt } : {}),
        ...(erased === undefined ? {} : { erased }),
      };
    },

    async eraseAccountData(imoId, igAccountId) {
      let conversations = 0;
      let messages = 0;
      await queryAll(Keys.inbox(imoId, igAccountId).gsi1pk, async (items) => {
        for (const conversation of items) {
          const igsid = conversation.igsid;
          if (typeof igsid !== "string") continue;
          await queryAll(Keys.conversationMessages(imoId, igAccountId, igsid).gsi1pk, async (page) => {
            // A message we sent also has a pointer from Meta's mid to our id; it goes with the message.
            const pointers = page.flatMap((message) =>
              typeof message.mid === "string" && message.mid !== message.messageId
                ? [Keys.sentMid(imoId, message.mid)]
                : [],
            );
            await deleteAll([...page.flatMap(keyOf), ...pointers]);
            messages += page.length;
          });
          await deleteAll(keyOf(conversation));
          conversations++;
        }
      });
      return { conversations, messages };
    },
  };
}
