import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { ConversationRef, TapLinks } from "../../domain/webhook/ports";
import { sortKeyTime } from "./dates";
import { Keys } from "./keys";
import { gsi1Partition } from "./query";

/**
 * How far back a quick reply tap looks for the message that offered it: Instagram dismisses quick replies once
 * one is tapped, so the offer is almost always among the last few messages; a bound keeps the read small.
 */
export const QUICK_REPLY_LOOKBACK = 20;

type Item = Record<string, unknown>;

function offered(item: Item, payload: string): boolean {
  const quickReplies = (item.rich as { quickReplies?: unknown } | undefined)?.quickReplies;
  return (
    Array.isArray(quickReplies) &&
    quickReplies.some((q) => (q as { payload?: unknown } | null)?.payload === payload)
  );
}

/**
 * The reads that link a tap to our outbound message (domain/webhook/taps.ts): the sent-mid pointer (GetItem)
 * and the message it names (GetItem, to check it is ours in this conversation); for a quick reply, one Query of
 * the conversation's newest messages on gsi1.
 */
export function dynamoTapLinks(db: DynamoDBDocumentClient, tableName: string): TapLinks {
  const sameConversation = (item: Item | undefined, ref: ConversationRef) =>
    item?.igAccountId === ref.igAccountId && item?.igsid === ref.igsid && item?.direction === "outbound";

  return {
    async sentMessage(ref, mid) {
      const pointer = await db.send(
        new GetCommand({ TableName: tableName, Key: Keys.sentMid(ref.imoId, mid) }),
      );
      const messageId = pointer.Item?.messageId;
      if (typeof messageId !== "string") return undefined;
      const message = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: Keys.message(ref.imoId, messageId),
          ProjectionExpression: "igAccountId, igsid, direction",
        }),
      );
      return sameConversation(message.Item, ref) ? messageId : undefined;
    },

    async latestOffer(ref, payload, at) {
      const base = gsi1Partition(
        tableName,
        Keys.conversationMessages(ref.imoId, ref.igAccountId, ref.igsid).gsi1pk,
      );
      const found = await db.send(
        new QueryCommand({
          ...base,
          // Sort keys start with the acceptance time: every message accepted up to the tap (and a little after,
          // `#` sorts after the time's digits) — the sent time is checked on each item.
          KeyConditionExpression: "gsi1pk = :pk AND gsi1sk <= :upTo",
          ExpressionAttributeValues: {
            ...base.ExpressionAttributeValues,
            ":upTo": `${sortKeyTime(at)}#\uffff`,
          },
          ScanIndexForward: false,
          Limit: QUICK_REPLY_LOOKBACK,
        }),
      );
      const offer = (found.Items ?? []).find(
        (item) =>
          sameConversation(item, ref) &&
          typeof item.sentAt === "number" &&
          item.sentAt <= at &&
          item.status === "sent" &&
          offered(item, payload),
      );
      return typeof offer?.messageId === "string" ? offer.messageId : undefined;
    },
  };
}
