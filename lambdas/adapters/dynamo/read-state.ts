import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { ReadStore } from "../../domain/inbox/read";
import { isConditionFailure } from "./conditional";
import { conversationFromItem } from "./inbox-queries";
import { Keys } from "./keys";
import { allOf, UpdateBuilder, updateInput } from "./update-expression";

/**
 * Read state on the conversation item itself (no new item kind, so erasing the conversation erases it):
 * `unreadCount` goes to 0 with one conditional update that refuses when a customer message later than the
 * read point is already stored, so a message counted after the read is never lost.
 */
export function dynamoReadStore(db: DynamoDBDocumentClient, tableName: string): ReadStore {
  return {
    async messageTime(imoId, igAccountId, igsid, messageId) {
      const result = await db.send(
        new GetCommand({ TableName: tableName, Key: Keys.message(imoId, messageId), ConsistentRead: true }),
      );
      const item = result.Item;
      // Only a stored message of this very conversation (never a pending placeholder or another thread's).
      if (item?.entity !== "message" || item.igAccountId !== igAccountId || item.igsid !== igsid)
        return undefined;
      return typeof item.sentAt === "number" ? item.sentAt : undefined;
    },

    async markRead(imoId, igAccountId, igsid, upTo) {
      const builder = new UpdateBuilder().set("unreadCount", 0);
      const anchor = builder.path("lastCustomerMessageAt");
      const condition = allOf(
        `attribute_exists(${builder.path("pk")})`,
        `attribute_not_exists(${anchor}) OR ${anchor} <= ${builder.value(upTo)}`,
      );
      try {
        const result = await db.send(
          new UpdateCommand({
            TableName: tableName,
            ...updateInput(Keys.conversation(imoId, igAccountId, igsid), builder, condition),
            ReturnValues: "ALL_NEW",
          }),
        );
        if (result.Attributes === undefined) return "stale";
        return conversationFromItem(result.Attributes);
      } catch (error) {
        if (isConditionFailure(error)) return "stale";
        throw error;
      }
    },
  };
}
