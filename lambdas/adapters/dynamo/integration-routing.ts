import { type DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { IntegrationRouting } from "../../domain/webhook/ingest";
import { integrationFromItem } from "./integration-item";
import { Keys } from "./keys";

/**
 * Webhook routing: the organisations whose integration of an Instagram account is `connected` or
 * `needs_reauth`, from gsi1 (`ACCOUNT#<igAccountId>`). An expired token does not stop Meta's deliveries, and
 * the customer's messages (and reply window) must be there when the user reconnects; revoked ones get nothing.
 */
export function integrationRouting(db: DynamoDBDocumentClient, tableName: string): IntegrationRouting {
  return {
    async owningOrganisations(igAccountId) {
      const organisations = new Set<string>();
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: "gsi1",
            KeyConditionExpression: "gsi1pk = :pk",
            ExpressionAttributeValues: { ":pk": Keys.integrationsByAccount(igAccountId).gsi1pk },
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        );
        for (const item of page.Items ?? []) {
          if (item.entity !== "integration") continue;
          const integration = integrationFromItem(item);
          if (integration.status !== "revoked" && integration.igAccountId === igAccountId) {
            organisations.add(integration.imoId);
          }
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      return [...organisations];
    },
  };
}
