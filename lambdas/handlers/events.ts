import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { documentClient } from "../adapters/dynamo/client";
import { dynamoIntegrationOwners } from "../adapters/dynamo/integration-owner";
import { dynamoWindowIndex } from "../adapters/dynamo/window-index";
import { eventBridgeClient, eventBridgePublisher } from "../adapters/events/event-bus";
import { Env } from "../contract/env";
import { messageView } from "../http/inbox-bodies";
import { workerHandler } from "../platform/chain";
import { logger } from "../platform/logger";
import { countMetric } from "../platform/metrics";
import { requiredEnv } from "../platform/runtime-config";
import { publishChanges } from "../wiring/events";

const publisher = eventBridgePublisher(eventBridgeClient(), requiredEnv(Env.eventBusName));
const db = documentClient();
const tableName = requiredEnv(Env.tableName);
const owners = dynamoIntegrationOwners(db, tableName);
const windows = dynamoWindowIndex({ db, tableName });

/** DynamoDB Streams → EventBridge: every committed write that means something to the app becomes events. */
export const handler = workerHandler(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const { batchItemFailures, published } = await publishChanges(event.Records, {
    publisher,
    view: messageView,
    log: (message, extra) => logger.warn(message, extra),
    owners,
    windows,
  });
  countMetric("EventsPublished", published.length);
  if (batchItemFailures.length > 0) countMetric("EventsPublishFailures");
  return { batchItemFailures };
});
