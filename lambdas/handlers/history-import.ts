import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { documentClient } from "../adapters/dynamo/client";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { sqsClient } from "../adapters/sqs/client";
import { historyConfigFromEnv } from "../config/env";
import { tokenKeysFrom } from "../domain/token-seal";
import { workerHandler } from "../platform/chain";
import { logger } from "../platform/logger";
import { countMetric } from "../platform/metrics";
import { registerSecretValue } from "../platform/redaction";
import { historyWiring } from "../wiring/history";

const history = historyWiring(historyConfigFromEnv(), { db: documentClient(), sqs: sqsClient() });
const loadSecrets = secretsLoaderFromEnv();

/** SQS → history import: one paced step of an account's import per record (docs/app-api.md "History import"). */
export const handler = workerHandler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const deps = history.deps(tokenKeysFrom(await loadSecrets()), registerSecretValue);
  return history.runBatch(event.Records, deps, (message, extra) => {
    logger.info(message, extra);
    if (extra.outcome === "completed") countMetric("HistoryImportsCompleted");
    if (extra.outcome === "failed") countMetric("HistoryImportsFailed");
  });
});
