import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type middy from "@middy/core";
import { Defaults, Env } from "../contract/env";
import { optionalEnv } from "./runtime-config";

/** The container's metrics buffer (CloudWatch embedded metric format), flushed per invocation. */
export const metrics = new Metrics({
  namespace: optionalEnv(Env.metricsNamespace, Defaults.metricsNamespace),
  serviceName: optionalEnv(Env.serviceName, Defaults.serviceName),
});

/** Counts `value` occurrences of `name` (unit Count) in this invocation. */
export function countMetric(name: string, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/**
 * The buffered metrics as embedded-metric-format keys, to be spread into the invocation's summary log line, and
 * the buffer emptied: CloudWatch extracts metrics from any JSON log line carrying `_aws`, so the summary line
 * and the metrics are one line instead of two (log ingestion is priced per byte). Empty when nothing was counted.
 */
export function metricsForLogLine(): Record<string, unknown> {
  if (!metrics.hasStoredMetrics()) return {};
  // The `service` dimension's value is the logger's own `service` key (same value), which Powertools would not
  // let us overwrite; everything else of the EMF document goes into the line.
  const { service: _sameAsTheLoggers, ...emf } = metrics.serializeMetrics() as unknown as Record<
    string,
    unknown
  >;
  metrics.clearMetrics();
  return emf;
}

/**
 * Middy middleware that publishes what is still buffered after the handler (on success and on error) as its
 * own EMF line — nothing when the summary line already carried the metrics, and, unlike Powertools' own
 * middleware, no warning line when the invocation counted nothing.
 */
export function flushMetrics(): middy.MiddlewareObj {
  const publish = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
}
