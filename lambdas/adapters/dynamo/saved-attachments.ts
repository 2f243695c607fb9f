import { BatchWriteCommand, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { SENDABLE_ATTACHMENT_TYPES, type SendableAttachmentType } from "../../contract/vocabulary";
import type { SavedAttachment, SavedAttachmentStore } from "../../domain/outbound/attachments";
import { type DynamoAccess, noteCapacity } from "./capacity";
import { ttlSeconds } from "./dates";
import { Keys } from "./keys";
import { queryPages } from "./query";

type Item = Record<string, unknown>;

const TYPES: ReadonlySet<string> = new Set(SENDABLE_ATTACHMENT_TYPES);

function fromItem(item: Item): SavedAttachment | undefined {
  const { imoId, igAccountId, pageId, attachmentId, type, url, createdAt, validUntil } = item;
  if (
    typeof imoId !== "string" ||
    typeof igAccountId !== "string" ||
    typeof pageId !== "string" ||
    typeof attachmentId !== "string" ||
    typeof type !== "string" ||
    !TYPES.has(type) ||
    typeof url !== "string" ||
    typeof createdAt !== "number" ||
    typeof validUntil !== "number"
  ) {
    return undefined;
  }
  return {
    imoId,
    igAccountId,
    pageId,
    attachmentId,
    type: type as SendableAttachmentType,
    url,
    createdAt,
    expiresAt: validUntil,
  };
}

/**
 * Attachment ids on the account's own partition (`ATTACH#<imoId>#<igAccountId>`): one Get at accept, one Put per
 * upload, a Query of the partition to remove them (disconnect, erasure). The table's TTL drops them when Meta's
 * id has expired (`expiresAt`, seconds; `validUntil` keeps the exact epoch ms the domain checks).
 */
export function dynamoSavedAttachments(access: DynamoAccess): SavedAttachmentStore {
  const { db, tableName, meter } = access;
  return {
    async put(attachment) {
      const result = await db.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...Keys.savedAttachment(attachment.imoId, attachment.igAccountId, attachment.attachmentId),
            imoId: attachment.imoId,
            igAccountId: attachment.igAccountId,
            pageId: attachment.pageId,
            attachmentId: attachment.attachmentId,
            type: attachment.type,
            url: attachment.url,
            createdAt: attachment.createdAt,
            validUntil: attachment.expiresAt,
            expiresAt: ttlSeconds(attachment.expiresAt),
          },
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      noteCapacity(meter, result.ConsumedCapacity, "write");
    },
    async get(imoId, igAccountId, attachmentId) {
      const result = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: Keys.savedAttachment(imoId, igAccountId, attachmentId),
          ConsistentRead: true,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      noteCapacity(meter, result.ConsumedCapacity, "read");
      return result.Item === undefined ? undefined : fromItem(result.Item);
    },
    async removeAll(imoId, igAccountId) {
      return removeSavedAttachments(access, imoId, igAccountId);
    },
  };
}

/** Deletes every attachment item of an account in an organisation (25 per batch); answers how many. */
export async function removeSavedAttachments(
  access: DynamoAccess,
  imoId: string,
  igAccountId: string,
): Promise<number> {
  const { db, tableName } = access;
  let removed = 0;
  await queryPages(
    db,
    {
      TableName: tableName,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": Keys.savedAttachments(imoId, igAccountId).pk },
      ProjectionExpression: "pk, sk",
      ConsistentRead: true,
    },
    async (items) => {
      for (let start = 0; start < items.length; start += 25) {
        let requests: { DeleteRequest: { Key: Record<string, unknown> } }[] = items
          .slice(start, start + 25)
          .map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
        for (let attempt = 0; requests.length > 0; attempt++) {
          if (attempt > 8) throw new Error("Attachment removal: DynamoDB kept items unprocessed");
          const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
          requests = (result.UnprocessedItems?.[tableName] ?? []).flatMap((r) =>
            r.DeleteRequest?.Key ? [{ DeleteRequest: { Key: r.DeleteRequest.Key } }] : [],
          );
          if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        }
      }
      removed += items.length;
    },
  );
  return removed;
}
