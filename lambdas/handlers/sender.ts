import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { logger } from "../middleware/logger";

/** Not built yet: every record is reported as failed so nothing is deleted or lost. */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  logger.warn("sender not implemented; leaving records on the queue", { count: event.Records.length });
  return { batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })) };
};
