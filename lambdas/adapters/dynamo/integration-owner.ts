import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { integrationFromItem } from "./integration-item";
import { Keys } from "./keys";
import { gsi1Partition, queryPages } from "./query";

/** The app user whose integration owns an Instagram account within an organisation (events' `userId`). */
export type IntegrationOwners = (imoId: string, igAccountId: string) => Promise<string | undefined>;

/**
 * Reads gsi1 (`ACCOUNT#<igAccountId>`) like the webhook routing does, and names the user of the organisation's
 * integration of the account: a live one (connected, needs_reauth…) before a revoked one, then the smallest
 * user id, so every redelivery names the same user while nothing changed.
 */
export function dynamoIntegrationOwners(db: DynamoDBDocumentClient, tableName: string): IntegrationOwners {
  return async (imoId, igAccountId) => {
    const candidates: { userId: string; live: boolean }[] = [];
    await queryPages(
      db,
      gsi1Partition(tableName, Keys.integrationsByAccount(igAccountId).gsi1pk),
      (items) => {
        for (const item of items) {
          if (item.entity !== "integration") continue;
          const integration = integrationFromItem(item);
          if (integration.imoId !== imoId || integration.igAccountId !== igAccountId) continue;
          candidates.push({ userId: integration.userId, live: integration.status !== "revoked" });
        }
      },
    );
    candidates.sort((a, b) => Number(b.live) - Number(a.live) || a.userId.localeCompare(b.userId));
    return candidates[0]?.userId;
  };
}
