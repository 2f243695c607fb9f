import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { Defaults, Env } from "../contract/env";
import { optionalEnv } from "./runtime-config";

/** The container's metrics buffer (CloudWatch embedded metric format), flushed by `flushMetrics()` per invocation. */
export const metrics = new Metrics({
  namespace: optionalEnv(Env.metricsNamespace, Defaults.metricsNamespace),
  serviceName: optionalEnv(Env.serviceName, Defaults.serviceName),
});

/** Counts `value` occurrences of `name` (unit Count) in this invocation. */
export function countMetric(name: string, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/** Middy middleware that flushes the buffered metrics after the handler, on success and on error. */
export function flushMetrics() {
  return logMetrics(metrics);
}
