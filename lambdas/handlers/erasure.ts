import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { connectFromEnv } from "../config/connect";
import { workerHandler } from "../platform/chain";
import { logger } from "../platform/logger";
import { countMetric } from "../platform/metrics";
import { erasureWorker } from "../wiring/erasure";

const run = erasureWorker(connectFromEnv(), (message, extra) => {
  logger.info(message, extra);
  if (extra.result === "completed") countMetric("DataDeletionsCompleted");
});

/** SQS → erasure worker: one bounded step of a data deletion job per record (docs/connect-flow.md). */
export const handler = workerHandler(
  async (event: SQSEvent, context): Promise<SQSBatchResponse> =>
    run(event.Records, () => context.getRemainingTimeInMillis()),
);
