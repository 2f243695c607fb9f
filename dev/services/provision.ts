import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { ErasureQueue, HistoryQueue, OutboundQueue, ProfileQueue } from "../../lambdas/contract/queues";
import { createTableInput } from "../../lambdas/contract/table";

/** Creates the table from the shared declaration (no-op if it exists, so --persist restarts work). */
export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    await addMissingIndexes(client, tableName);
  }
}

/** A table persisted by an older version lacks indexes declared since: adds them, as a stack update would. */
async function addMissingIndexes(client: DynamoDBClient, tableName: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const declared = createTableInput(tableName);
  for (const index of declared.GlobalSecondaryIndexes ?? []) {
    if (existing.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: declared.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [
          {
            Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection },
          },
        ],
      }),
    );
  }
}

export interface OutboundQueueUrls {
  readonly queueUrl: string;
  readonly dlqUrl: string;
}

/** Creates the outbound FIFO queue and its DLQ with the settings the stack uses. */
export async function createOutboundQueues(client: SQSClient, baseName: string): Promise<OutboundQueueUrls> {
  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: `${baseName}-dlq.fifo`,
      Attributes: { FifoQueue: "true", MessageRetentionPeriod: String(OutboundQueue.dlqRetentionSeconds) },
    }),
  );
  if (!dlq.QueueUrl) throw new Error("CreateQueue returned no URL for the DLQ");
  const dlqAttributes = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: `${baseName}.fifo`,
      Attributes: {
        FifoQueue: "true",
        VisibilityTimeout: String(OutboundQueue.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(OutboundQueue.retentionSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqAttributes.Attributes?.QueueArn,
          maxReceiveCount: OutboundQueue.maxReceiveCount,
        }),
      },
    }),
  );
  if (!queue.QueueUrl) throw new Error("CreateQueue returned no URL");
  return { queueUrl: queue.QueueUrl, dlqUrl: dlq.QueueUrl };
}

/** Creates the erasure (standard) queue and its DLQ with the settings the stack uses. */
export function createErasureQueues(
  client: SQSClient,
  baseName: string,
): Promise<OutboundQueueUrls & { readonly queueArn: string }> {
  return createJobQueues(client, baseName, ErasureQueue);
}

/** Creates the history import (standard) queue and its DLQ with the settings the stack uses. */
export function createHistoryQueues(
  client: SQSClient,
  baseName: string,
): Promise<OutboundQueueUrls & { readonly queueArn: string }> {
  return createJobQueues(client, baseName, HistoryQueue);
}

/** The profile fetch queue and its DLQ (standard), as lib/constructs/profiles.ts declares them. */
export function createProfileQueues(
  client: SQSClient,
  baseName: string,
): Promise<OutboundQueueUrls & { readonly queueArn: string }> {
  return createJobQueues(client, baseName, ProfileQueue);
}

/** A standard job queue with its DLQ, from a declaration in lambdas/contract/queues.ts. */
async function createJobQueues(
  client: SQSClient,
  baseName: string,
  spec: typeof ErasureQueue | typeof ProfileQueue | typeof HistoryQueue,
): Promise<OutboundQueueUrls & { readonly queueArn: string }> {
  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: `${baseName}-dlq`,
      Attributes: { MessageRetentionPeriod: String(spec.dlqRetentionSeconds) },
    }),
  );
  if (!dlq.QueueUrl) throw new Error(`CreateQueue returned no URL for ${baseName}-dlq`);
  const dlqAttributes = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: baseName,
      Attributes: {
        VisibilityTimeout: String(spec.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(spec.retentionSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqAttributes.Attributes?.QueueArn,
          maxReceiveCount: spec.maxReceiveCount,
        }),
      },
    }),
  );
  if (!queue.QueueUrl) throw new Error(`CreateQueue returned no URL for ${baseName}`);
  const attributes = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  return {
    queueUrl: queue.QueueUrl,
    dlqUrl: dlq.QueueUrl,
    queueArn: attributes.Attributes?.QueueArn ?? `arn:aws:sqs:us-east-1:000000000000:${baseName}`,
  };
}
