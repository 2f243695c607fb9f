import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { documentClient } from "../adapters/dynamo/client";
import { tokenKeyLoaderFromEnv } from "../adapters/secrets";
import { sqsClient } from "../adapters/sqs/client";
import { outboundConfigFromEnv } from "../config/env";
import { Env } from "../contract/env";
import { OutboundQueue } from "../contract/queues";
import { tokenKeysFrom } from "../domain/token-seal";
import { workerHandler } from "../platform/chain";
import { logger } from "../platform/logger";
import { countMetric, metricsForLogLine } from "../platform/metrics";
import { registerSecretValue } from "../platform/redaction";
import { requiredEnv } from "../platform/runtime-config";
import { outboundWiring } from "../wiring/outbound";

const outbound = outboundWiring(
  { ...outboundConfigFromEnv(), dlqUrl: requiredEnv(Env.outboundDlqUrl) },
  { db: documentClient(), sqs: sqsClient() },
);
const loadSecrets = tokenKeyLoaderFromEnv();

/**
 * Per-record outcomes as CloudWatch metrics: a send is `OutboundSent` (alone: one metric per line), waiting for
 * the cap is `OutboundDeferred`, not an error; `OutboundRecordsDone` counts records finished without a send.
 */
const OUTCOME_METRICS: Record<string, string> = {
  done: "OutboundRecordsDone",
  defer: "OutboundDeferred",
  dead_letter: "OutboundDeadLettered",
};

/** SQS → sender: sends each queued message once, under the account's rolling-hour cap (docs/outbound.md). */
export const handler = workerHandler(async (event: SQSEvent, context): Promise<SQSBatchResponse> => {
  const deps = outbound.sender(tokenKeysFrom(await loadSecrets()), registerSecretValue);
  // No record starts once the rest of the timeout could not cover a send (OutboundQueue.stopStartingMs).
  const startBefore = Date.now() + context.getRemainingTimeInMillis() - OutboundQueue.stopStartingMs;
  const log = (message: string, { messageId, ...extra }: Record<string, unknown>) => {
    if (extra.result === "sent") countMetric("OutboundSent");
    else if (typeof extra.outcome === "string")
      countMetric(OUTCOME_METRICS[extra.outcome] ?? "OutboundOther");
    if (extra.result === "failed_reauth_required") countMetric("IntegrationNeedsReauth");
    if (extra.result === "account_restricted") countMetric("IntegrationRestricted");
    // One line per record: its outcome and metrics (EMF) together, correlated by the app's message id.
    logger.info(message, { correlation_id: messageId, ...extra, ...metricsForLogLine() });
  };
  return outbound.runBatch(event.Records, deps, log, { startBefore });
});
