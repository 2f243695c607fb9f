import type { Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CompactLogFormatter } from "../../lambdas/platform/log-formatter";
import { countMetric, metrics, metricsForLogLine } from "../../lambdas/platform/metrics";

describe("the one log line of an invocation", () => {
  beforeEach(() => {
    process.env._X_AMZN_TRACE_ID = "Root=1-abc-def;Parent=53995c3f42cd8ad8;Sampled=1";
  });
  afterEach(() => {
    delete process.env._X_AMZN_TRACE_ID;
  });

  it("keeps the request id, cold start and trace id, and drops what the log group already names", () => {
    const item = new CompactLogFormatter().formatAttributes(
      {
        logLevel: "INFO",
        message: "webhook delivery stored",
        timestamp: new Date("2026-11-29T10:00:00.000Z"),
        serviceName: "instagram-dm",
        environment: "",
        sampleRateValue: 0,
        xRayTraceId: "1-abc-def",
        lambdaContext: {
          awsRequestId: "req-1",
          coldStart: true,
          functionName: "TestStack-WebhookReceive",
          functionVersion: "$LATEST",
          invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:TestStack-WebhookReceive",
          memoryLimitInMB: "1024",
        } as unknown as Context & { coldStart: boolean },
      } as never,
      { events: 1, correlation_id: "api-req-9" },
    );
    // As printed: JSON drops the keys left undefined.
    const line = JSON.parse(JSON.stringify(item.getAttributes())) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: "INFO",
      message: "webhook delivery stored",
      cold_start: true,
      xray_trace_id: "1-abc-def",
      events: 1,
      correlation_id: "api-req-9",
    });
    expect(Object.keys(line)).not.toContain("function_arn");
    expect(Object.keys(line)).not.toContain("function_name");
    expect(Object.keys(line)).not.toContain("function_memory_size");
    // The correlation id identifies the invocation; Lambda's request id would repeat it.
    expect(Object.keys(line)).not.toContain("request_id");
  });

  it("names Lambda's request id where no correlation id does, and cold start only when it is one", () => {
    const formatter = new CompactLogFormatter();
    const base = {
      logLevel: "INFO",
      message: "outbound record handled",
      timestamp: new Date(),
      serviceName: "instagram-dm",
      lambdaContext: { awsRequestId: "req-2", coldStart: false },
    } as never;
    process.env._X_AMZN_TRACE_ID = "Root=1-abc-def;Parent=53995c3f42cd8ad8;Sampled=0";
    const line = formatter
      .formatAttributes({ ...(base as object), xRayTraceId: "1-abc-def" } as never, {})
      .getAttributes();
    expect(line.request_id).toBe("req-2");
    // Not recorded by X-Ray: its id would lead nowhere.
    expect(JSON.parse(JSON.stringify(line))).not.toHaveProperty("xray_trace_id");
    expect(JSON.parse(JSON.stringify(line))).not.toHaveProperty("cold_start");
  });

  it("carries the invocation's metrics as embedded-metric-format keys and empties the buffer", () => {
    countMetric("WebhookEventsStored", 3);
    countMetric("WebhookDuplicates");
    const emf = metricsForLogLine() as {
      _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] };
      [key: string]: unknown;
    };
    expect(emf._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name).sort()).toEqual([
      "WebhookDuplicates",
      "WebhookEventsStored",
    ]);
    expect(emf.WebhookEventsStored).toBe(3);
    // The dimension's value is the logger's own `service` key; repeating it would be dropped with a warning line.
    expect(emf).not.toHaveProperty("service");
    expect(metrics.hasStoredMetrics()).toBe(false);
    expect(metricsForLogLine()).toEqual({});
  });
});
