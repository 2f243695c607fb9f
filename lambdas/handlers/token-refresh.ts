import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { refreshPolicyFromEnv, runTokenRefresh } from "../composition/connect";
import { logger } from "../middleware/logger";

const metrics = new Metrics();
const policy = refreshPolicyFromEnv();

/**
 * The scheduled refresh of long-lived Instagram tokens: those at least 24 h old and expiring within the
 * window are refreshed; a token Meta rejects marks its integration `needs_reauth`. Counts go to the log and
 * to CloudWatch metrics.
 */
export const handler = async (): Promise<void> => {
  const report = await runTokenRefresh({ policy });
  logger.info("token refresh finished", { ...report });
  metrics.addMetric("TokensExamined", MetricUnit.Count, report.examined);
  metrics.addMetric("TokensRefreshed", MetricUnit.Count, report.refreshed);
  metrics.addMetric("TokensRejected", MetricUnit.Count, report.rejected + report.expired);
  metrics.addMetric("TokenRefreshFailures", MetricUnit.Count, report.failed);
  metrics.publishStoredMetrics();
};
