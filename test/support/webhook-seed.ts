import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import type { IntegrationStatus } from "../../lambdas/domain/integration";
import { putIntegration } from "./integrations";
import { scanTable } from "./table-scan";

/** Helpers shared by the webhook integration tests (not a test file itself). */
export const db = documentClient();

export async function connectIntegration(
  tableName: string,
  imoId: string,
  igAccountId: string,
  status: IntegrationStatus = "connected",
): Promise<void> {
  await putIntegration(
    tableName,
    {
      imoId,
      userId: `user-of-${imoId}`,
      igAccountId,
      appScopedUserId: `2691338475510${igAccountId.slice(-4)}`,
      username: "riviera.linen.studio",
      status,
      connectedAt: 1,
      updatedAt: 1,
    },
    db,
  );
}

/** Every item of the table, sorted by key, to compare snapshots before and after a request. */
export async function scanAll(tableName: string): Promise<Record<string, unknown>[]> {
  const items = await scanTable(tableName, db);
  return items.sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
}

export async function getMessage(tableName: string, imoId: string, messageId: string) {
  const result = await db.send(
    new GetCommand({ TableName: tableName, Key: Keys.message(imoId, messageId), ConsistentRead: true }),
  );
  return result.Item;
}

export async function getConversation(tableName: string, imoId: string, igAccountId: string, igsid: string) {
  const result = await db.send(
    new GetCommand({
      TableName: tableName,
      Key: Keys.conversation(imoId, igAccountId, igsid),
      ConsistentRead: true,
    }),
  );
  return result.Item;
}
