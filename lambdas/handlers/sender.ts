import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { documentClient } from "../adapters/dynamo/client";
import {
  dynamoConversationWindows,
  dynamoIntegrationAccess,
  dynamoOutboundStore,
} from "../adapters/dynamo/outbound-messages";
import { dynamoSendLimiter } from "../adapters/dynamo/send-limiter";
import { graphSendApi } from "../adapters/meta/send-api";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { sqsClient } from "../adapters/sqs/client";
import { runSenderBatch } from "../adapters/sqs/outbound-queue";
import { Defaults, Env } from "../contract/env";
import { OutboundQueue, SENDING_LEASE_MS } from "../contract/queues";
import type { Integration } from "../domain/integration";
import { limiterPolicy } from "../domain/outbound/limiter";
import { DEFAULT_RETRY } from "../domain/outbound/retry";
import { processBatch, type SenderDeps } from "../domain/outbound/send";
import { openToken, tokenKeysFrom } from "../domain/token-seal";
import { workerHandler } from "../platform/chain";
import { logger } from "../platform/logger";
import { countMetric } from "../platform/metrics";
import { registerSecretValue } from "../platform/redaction";
import { metaHostsFromEnv, optionalEnv, requiredEnv } from "../platform/runtime-config";

const access = { db: documentClient(), tableName: requiredEnv(Env.tableName) };
const queues = {
  client: sqsClient(),
  queueUrl: requiredEnv(Env.outboundQueueUrl),
  dlqUrl: requiredEnv(Env.outboundDlqUrl),
};
const limits = limiterPolicy(Number(optionalEnv(Env.sendCapPerHour, String(Defaults.sendCapPerHour))));
const loadSecrets = secretsLoaderFromEnv();
const base = {
  store: dynamoOutboundStore(access),
  integrations: dynamoIntegrationAccess(access),
  conversations: dynamoConversationWindows(access),
  limiter: dynamoSendLimiter(access, limits),
  meta: graphSendApi(metaHostsFromEnv()),
  now: () => Date.now(),
  random: Math.random,
  limits,
  retry: DEFAULT_RETRY,
  maxReceiveCount: OutboundQueue.maxReceiveCount,
  sendingLeaseMs: SENDING_LEASE_MS,
};

/** Per-record outcomes as CloudWatch metrics: waiting for the cap is `OutboundDeferred`, not an error. */
const OUTCOME_METRICS: Record<string, string> = {
  done: "OutboundRecordsDone",
  defer: "OutboundDeferred",
  dead_letter: "OutboundDeadLettered",
};

/** SQS → sender: sends each queued message once, under the account's rolling-hour cap (docs/outbound.md). */
export const handler = workerHandler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const keys = tokenKeysFrom(await loadSecrets());
  const deps: SenderDeps = {
    ...base,
    // A missing or unopenable token is handled like Meta refusing it: the integration needs re-authorisation.
    accessToken: (integration: Integration) => {
      if (integration.token === undefined) throw new Error("Integration has no token");
      const token = openToken(integration.token, keys);
      registerSecretValue(token);
      return token;
    },
  };
  return runSenderBatch(
    event.Records,
    queues,
    (records) => processBatch(records, deps),
    deps.now,
    (message, extra) => {
      logger.info(message, extra);
      if (typeof extra.outcome === "string") countMetric(OUTCOME_METRICS[extra.outcome] ?? "OutboundOther");
      if (extra.result === "sent") countMetric("OutboundSent");
      if (extra.result === "failed_reauth_required") countMetric("IntegrationNeedsReauth");
    },
  );
});
