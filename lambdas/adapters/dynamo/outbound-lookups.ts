import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Integration } from "../../domain/integration";
import type { ConversationWindows, IntegrationAccess } from "../../domain/outbound/ports";
import { type DynamoAccess, noteCapacity } from "./capacity";
import { integrationFromItem } from "./integration-item";
import { Keys } from "./keys";

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
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
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
