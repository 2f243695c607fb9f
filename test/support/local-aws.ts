import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { createOutboundQueues, createTable, type OutboundQueueUrls } from "../../dev/services/provision";
import { sqsClient } from "../../lambdas/adapters/sqs/client";

/** A low-level DynamoDB client on DynamoDB Local (endpoint from the worker's env, see aws-env.ts). */
export function localDynamo(): DynamoDBClient {
  return new DynamoDBClient({});
}

export function localSqs(): SQSClient {
  return sqsClient();
}

/** A new, empty table with the production schema, so test files never see each other's data. */
export async function freshTable(client: DynamoDBClient = localDynamo()): Promise<string> {
  const name = `test-${randomUUID()}`;
  await createTable(client, name);
  return name;
}

/** A new outbound FIFO queue and DLQ with the production settings. */
export async function freshQueues(client: SQSClient = localSqs()): Promise<OutboundQueueUrls> {
  return createOutboundQueues(client, `test-${randomUUID().slice(0, 8)}`);
}
