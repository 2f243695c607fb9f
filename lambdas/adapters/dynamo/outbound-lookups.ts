import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { WindowAnchors } from "../../domain/conversation";
import type { Integration } from "../../domain/integration";
import type { ConversationWindows, IntegrationAccess, ReplyTargets } from "../../domain/outbound/ports";
import { type DynamoAccess, noteCapacity } from "./capacity";
import { updateIf } from "./conditional";
import { integrationFromItem } from "./integration-item";
import { Keys } from "./keys";
import { allOf, UpdateBuilder } from "./update-expression";

/** The caller's integration, and the sender's writes to it (needs_reauth with the token erased after a token error, restrictions). */
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
      // A token Meta rejected (190) is useless and still a credential: erased in the same write, with its
      // expiry (so GET /instagram/integration shows none) and its place in the refresh index (gsi3).
      const builder = new UpdateBuilder()
        .set("status", "needs_reauth")
        .set("updatedAt", now)
        .set("version", integration.version + 1)
        .remove("token")
        .remove("tokenIssuedAt")
        .remove("tokenExpiresAt")
        .remove("gsi3pk")
        .remove("gsi3sk");
      const condition = allOf(
        `${builder.path("status")} = ${builder.value("connected")}`,
        `${builder.path("version")} = ${builder.value(integration.version)}`,
      );
      // Changed meanwhile (reconnected, revoked, already marked): that newer state wins.
      await updateIf(access, Keys.integration(integration.imoId, integration.userId), builder, condition);
    },
    async markRestricted(integration, reason, now) {
      // An annotation, not a new version: a reconnect racing with it must not lose its conditional write.
      const builder = new UpdateBuilder()
        .set("restriction", { reason, since: integration.restriction?.since ?? now, seenAt: now })
        .set("updatedAt", now);
      const condition = allOf(
        `${builder.path("status")} = ${builder.value("connected")}`,
        `${builder.path("version")} = ${builder.value(integration.version)}`,
      );
      await updateIf(access, Keys.integration(integration.imoId, integration.userId), builder, condition);
    },
    async clearRestriction(integration, now) {
      const builder = new UpdateBuilder().remove("restriction").set("updatedAt", now);
      const condition = allOf(
        `attribute_exists(${builder.path("restriction")})`,
        `${builder.path("version")} = ${builder.value(integration.version)}`,
      );
      await updateIf(access, Keys.integration(integration.imoId, integration.userId), builder, condition);
    },
  };
}

/** Reply-window anchors, read from the conversation items the webhook maintains. */
export function dynamoConversationWindows(access: DynamoAccess): ConversationWindows {
  const { db, tableName, meter } = access;
  return {
    async anchors(imoId, igAccountId, igsid) {
      const result = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: Keys.conversation(imoId, igAccountId, igsid),
          ConsistentRead: true,
          ProjectionExpression: "lastCustomerMessageAt, adReferral.#at",
          ExpressionAttributeNames: { "#at": "at" },
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      noteCapacity(meter, result.ConsumedCapacity, "read");
      return anchorsFromItem(result.Item);
    },
  };
}

/** The reply-window anchors of a conversation item (none if there is no conversation). */
export function anchorsFromItem(item: Record<string, unknown> | undefined): WindowAnchors {
  const last = item?.lastCustomerMessageAt;
  const ad = (item?.adReferral as { at?: unknown } | undefined)?.at;
  return {
    ...(typeof last === "number" ? { lastCustomerMessageAt: last } : {}),
    ...(typeof ad === "number" ? { adReferralAt: ad } : {}),
  };
}

/**
 * Customer messages a reply may answer, read by id (one strongly consistent read, only when `replyTo` is
 * given): inbound, of this very conversation, not unsent. A message of another tenant lives under another
 * key (the organisation is part of it), so it is simply not found.
 */
export function dynamoReplyTargets(access: DynamoAccess): ReplyTargets {
  const { db, tableName, meter } = access;
  return {
    async customerMid(imoId, igAccountId, igsid, messageId) {
      const result = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: Keys.message(imoId, messageId),
          ConsistentRead: true,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      noteCapacity(meter, result.ConsumedCapacity, "read");
      const item = result.Item;
      if (item === undefined || item.direction !== "inbound" || item.deleted === true) return undefined;
      if (item.igAccountId !== igAccountId || item.igsid !== igsid) return undefined;
      const mid = typeof item.mid === "string" ? item.mid : item.messageId;
      return typeof mid === "string" ? mid : undefined;
    },
  };
}
