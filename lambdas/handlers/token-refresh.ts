import { refreshPolicyFromEnv, runTokenRefresh } from "../composition/connect";
import { workerHandler } from "../platform/chain";
import { logger } from "../platform/logger";
import { countMetric } from "../platform/metrics";

const policy = refreshPolicyFromEnv();

/**
 * The scheduled refresh of long-lived Instagram tokens: those at least 24 h old and expiring within the
 * window are refreshed; a token Meta rejects marks its integration `needs_reauth`. Counts go to the log and
 * to CloudWatch metrics.
 */
export const handler = workerHandler(async (): Promise<void> => {
  const report = await runTokenRefresh({ policy });
  logger.info("token refresh finished", { ...report });
  countMetric("TokensExamined", report.examined);
  countMetric("TokensRefreshed", report.refreshed);
  countMetric("TokensRejected", report.rejected + report.expired);
  countMetric("IntegrationNeedsReauth", report.rejected + report.expired);
  countMetric("TokenRefreshFailures", report.failed);
});
