import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoDataDeletionStore } from "../adapters/dynamo/data-deletion";
import { dynamoErasureStore } from "../adapters/dynamo/erasure";
import { dynamoInboundStore } from "../adapters/dynamo/inbound-store";
import { dynamoIntegrationRouting } from "../adapters/dynamo/integration-routing";
import { dynamoIntegrationStore } from "../adapters/dynamo/integrations";
import { dynamoTapLinks } from "../adapters/dynamo/tap-links";
import { sqsErasureQueue } from "../adapters/sqs/erasure-queue";
import { missingQueue } from "../adapters/sqs/missing-queue";
import { Env } from "../contract/env";
import type { IngestDependencies } from "../domain/webhook/ports";
import { profileRequests } from "./profiles";
import { type PublicUrlConfig, publicUrls } from "./public-urls";
import { signedRequestCallbacks } from "./signed-request";

export interface WebhookConfig extends PublicUrlConfig {
  readonly tableName: string;
  /** Conversations written at the same time for one delivery. */
  readonly concurrency: number;
  /** Where data deletion requests posted to the webhook URL are queued. */
  readonly erasureQueueUrl?: string;
  /** Where customer profile fetches are queued after a delivery is stored; unset: profiles are not fetched. */
  readonly profileQueueUrl?: string;
}

export interface WebhookClients {
  readonly db: DynamoDBDocumentClient;
  readonly sqs?: SQSClient;
  readonly count: IngestDependencies["count"];
  readonly log: IngestDependencies["log"];
  readonly now?: () => number;
}

/**
 * The webhook's dependencies: the inbound store and routing for deliveries, and the signed_request callbacks
 * (deauthorize, data deletion) that may be posted to the same URL. Only what those paths need is loaded:
 * not the OAuth flow, the Instagram Login client or the token refresh.
 */
export function webhookWiring(config: WebhookConfig, clients: WebhookClients) {
  const { db, tableName } = { db: clients.db, tableName: config.tableName };
  const profiles =
    config.profileQueueUrl && clients.sqs
      ? profileRequests(
          { tableName, queueUrl: config.profileQueueUrl },
          {
            db,
            sqs: clients.sqs,
            count: clients.count,
            log: clients.log,
            ...(clients.now ? { now: clients.now } : {}),
          },
        )
      : undefined;
  const receive: IngestDependencies = {
    store: dynamoInboundStore(db, tableName),
    taps: dynamoTapLinks(db, tableName),
    ...(profiles ? { profiles } : {}),
    routing: dynamoIntegrationRouting(db, tableName),
    count: clients.count,
    log: clients.log,
    concurrency: config.concurrency,
    now: clients.now ?? (() => Date.now()),
  };
  const signedRequestCallback = signedRequestCallbacks({
    integrations: dynamoIntegrationStore(db, tableName),
    dataDeletions: dynamoDataDeletionStore(db, tableName),
    erasure: dynamoErasureStore(db, tableName),
    erasureQueue:
      config.erasureQueueUrl && clients.sqs
        ? sqsErasureQueue(clients.sqs, config.erasureQueueUrl)
        : missingQueue(Env.erasureQueueUrl, "data deletion jobs"),
    now: clients.now ?? (() => Date.now()),
    statusUrl: publicUrls(config).dataDeletionStatusUrl,
  });
  return { receive, signedRequestCallback };
}
