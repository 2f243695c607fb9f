import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { IntegrationRouting } from "../../domain/webhook/ports";
import { integrationFromItem } from "./integration-item";
import { Keys } from "./keys";
import { gsi1Partition, queryPages } from "./query";

/**
 * Webhook routing: the organisations whose integration of an Instagram account is `connected` or
 * `needs_reauth`, from gsi1 (`ACCOUNT#<igAccountId>`). An expired token does not stop Meta's deliveries, and
 * the customer's messages (and reply window) must be there when the user reconnects; revoked ones get nothing.
 */
export function dynamoIntegrationRouting(db: DynamoDBDocumentClient, tableName: string): IntegrationRouting {
  return {
    async owningOrganisations(igAccountId) {
      const organisations = new Set<string>();
      const query = gsi1Partition(tableName, Keys.integrationsByAccount(igAccountId).gsi1pk);
      await queryPages(db, query, (items) => {
        for (const item of items) {
          if (item.entity !== "integration") continue;
          const integration = integrationFromItem(item);
          if (integration.status !== "revoked" && integration.igAccountId === igAccountId) {
            organisations.add(integration.imoId);
          }
        }
      });
      return [...organisations];
    },
  };
}
