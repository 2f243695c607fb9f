import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { documentClient } from "../adapters/dynamo/client";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { sqsClient } from "../adapters/sqs/client";
import { profileConfigFromEnv } from "../config/env";
import { tokenKeysFrom } from "../domain/token-seal";
import { workerHandler } from "../platform/chain";
import { logger } from "../platform/logger";
import { countMetric } from "../platform/metrics";
import { registerSecretValue } from "../platform/redaction";
import { profileWorker } from "../wiring/profiles";

const run = profileWorker(profileConfigFromEnv(), { db: documentClient(), sqs: sqsClient() });
const loadSecrets = secretsLoaderFromEnv();

/** Per-job results as CloudWatch metrics; a throttled job waiting is `ProfileFetchRetried`, not an error. */
const RESULT_METRICS: Record<string, string> = {
  stored: "ProfileFetched",
  unavailable: "ProfileUnavailable",
};

/** SQS → profile fetch: each customer's profile from Meta's User Profile API onto the conversation (docs/app-api.md). */
export const handler = workerHandler(
  async (event: SQSEvent): Promise<SQSBatchResponse> =>
    run(event.Records, tokenKeysFrom(await loadSecrets()), registerSecretValue, (message, extra) => {
      logger.info(message, extra);
      if (message === "profile job retried later") countMetric("ProfileFetchRetried");
      const metric = typeof extra.result === "string" ? RESULT_METRICS[extra.result] : undefined;
      if (metric !== undefined && message === "profile job done") countMetric(metric);
    }),
);
