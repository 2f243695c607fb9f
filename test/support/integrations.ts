import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { integrationItem } from "../../lambdas/adapters/dynamo/integration-item";
import type { Integration } from "../../lambdas/domain/integration";

/** What a test says about an integration; the rest gets plain defaults (connected business account, version 1). */
export type IntegrationFields = Pick<Integration, "imoId" | "userId" | "igAccountId"> & Partial<Integration>;

/** The one builder of test integrations. */
export function testIntegration(fields: IntegrationFields): Integration {
  const connectedAt = fields.connectedAt ?? Date.now();
  return {
    appScopedUserId: `9${fields.igAccountId}`,
    username: "test_shop",
    accountType: "BUSINESS",
    status: "connected",
    connectedAt,
    updatedAt: fields.updatedAt ?? connectedAt,
    version: 1,
    ...fields,
  };
}

/** The stored item of a test integration, exactly as the adapter writes it. */
export function testIntegrationItem(fields: IntegrationFields): ReturnType<typeof integrationItem> {
  return integrationItem(testIntegration(fields));
}

/** Stores a test integration (as the adapter writes it) and returns it. */
export async function putIntegration(
  tableName: string,
  fields: IntegrationFields,
  db: DynamoDBDocumentClient = documentClient(),
): Promise<Integration> {
  const integration = testIntegration(fields);
  await db.send(new PutCommand({ TableName: tableName, Item: integrationItem(integration) }));
  return integration;
}
