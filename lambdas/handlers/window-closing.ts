import { documentClient } from "../adapters/dynamo/client";
import { dynamoWindowIndex } from "../adapters/dynamo/window-index";
import { Env } from "../contract/env";
import { detectClosingWindows } from "../domain/events/window-closing";
import { workerHandler } from "../platform/chain";
import { logger } from "../platform/logger";
import { countMetric } from "../platform/metrics";
import { requiredEnv } from "../platform/runtime-config";

const windows = dynamoWindowIndex({ db: documentClient(), tableName: requiredEnv(Env.tableName) });

/**
 * The scheduled window-closing detector (every few minutes): announces each unanswered conversation whose
 * reply window ends within the lead time, once per window, by a conditional marker write; the `events`
 * function turns that write's stream record into `conversation.window_closing`.
 */
export const handler = workerHandler(async (): Promise<void> => {
  const summary = await detectClosingWindows(windows, Date.now());
  logger.info("window-closing detector finished", { ...summary });
  countMetric("WindowsClosingAnnounced", summary.announced);
  countMetric("WindowsClosingCandidates", summary.candidates);
});
