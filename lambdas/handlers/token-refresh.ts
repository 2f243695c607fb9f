import { secretsLoaderFromEnv } from "../adapters/secrets";
import { connectFromEnv } from "../config/connect";
import { refreshWindowDaysFromEnv } from "../config/env";
import { Env } from "../contract/env";
import { workerHandler } from "../platform/chain";
import { logger } from "../platform/logger";
import { countMetric } from "../platform/metrics";
import { refreshPolicy } from "../wiring/connect";

const policy = refreshPolicy(refreshWindowDaysFromEnv(), Env.tokenRefreshWindowDays);
const connect = connectFromEnv();
const loadSecrets = secretsLoaderFromEnv();

/**
 * The scheduled refresh of long-lived Instagram tokens: those at least 24 h old and expiring within the
 * window are refreshed; a token Meta rejects marks its integration `needs_reauth`. Counts go to the log and
 * to CloudWatch metrics.
 */
export const handler = workerHandler(async (): Promise<void> => {
  const report = await connect.runTokenRefresh(await loadSecrets(), policy);
  logger.info("token refresh finished", { ...report });
  countMetric("TokensExamined", report.examined);
  countMetric("TokensRefreshed", report.refreshed);
  countMetric("TokensRejected", report.rejected + report.expired);
  countMetric("TokenRefreshFailures", report.failed);
  countMetric("IntegrationNeedsReauth", report.rejected + report.expired);
});
