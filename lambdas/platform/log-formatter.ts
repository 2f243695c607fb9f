import { LogFormatter, LogItem } from "@aws-lambda-powertools/logger";
import type { LogAttributes, UnformattedAttributes } from "@aws-lambda-powertools/logger/types";

/** Lambda's trace header for this invocation says whether X-Ray records it (`Sampled=1`). */
function traceSampled(): boolean {
  return process.env._X_AMZN_TRACE_ID?.includes("Sampled=1") ?? false;
}

/**
 * Powertools' line without what the log group already says: each function has its own log group, so the
 * function's name, ARN and memory size repeated on every line (≈ 150 bytes) are dropped, as is the sampling rate.
 * Kept: level, message, time, service, the X-Ray trace id when X-Ray recorded the trace (the default sampling
 * keeps about 5 %; an unsampled id leads nowhere), `cold_start` when true, every attribute, and
 * Lambda's request id only where no correlation id (API Gateway's request id, which the app sees) identifies the
 * invocation. Log ingestion is priced per byte; see docs/performance.md.
 */
export class CompactLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        request_id:
          additional.correlation_id === undefined ? attributes.lambdaContext?.awsRequestId : undefined,
        cold_start: attributes.lambdaContext?.coldStart === true ? true : undefined,
        xray_trace_id: traceSampled() ? attributes.xRayTraceId : undefined,
      },
    }).addAttributes(additional);
  }
}
