import { describe, expect, it } from "vitest";
import { inboundCost, outboundCost } from "../../bench/cost";
import { costPerMillion, type Usage } from "../../bench/cost-model";
import type { InboundRow } from "../../bench/inbound";
import type { OutboundRow } from "../../bench/outbound";
import { markdownReport } from "../../bench/report";

const nothing: Usage = {
  httpApiRequests: 0,
  functions: [],
  dynamoWriteUnits: 0,
  dynamoReadUnits: 0,
  sqsRequests: 0,
  logBytes: 0,
  eventBridgeEvents: 0,
  xrayTraces: 0,
};

const item = (usage: Usage, name: string) =>
  costPerMillion(usage).lines.find((l) => l.item === name)?.usdPerMillion;

describe("dollars per million DMs", () => {
  it("prices each unit at its list price", () => {
    expect(item({ ...nothing, httpApiRequests: 1 }, "HTTP API requests")).toBeCloseTo(1.0, 9);
    expect(item({ ...nothing, dynamoWriteUnits: 8 }, "DynamoDB writes")).toBeCloseTo(5.0, 9);
    expect(item({ ...nothing, dynamoReadUnits: 4 }, "DynamoDB reads")).toBeCloseTo(0.5, 9);
    expect(item({ ...nothing, sqsRequests: 2 }, "SQS requests")).toBeCloseTo(1.0, 9);
    // 400 bytes × 1 M = 0.4 GB at $0.50 per GB.
    expect(item({ ...nothing, logBytes: 400 }, "CloudWatch Logs")).toBeCloseTo(0.2, 9);
    expect(item({ ...nothing, eventBridgeEvents: 3 }, "EventBridge events")).toBeCloseTo(3.0, 9);
    expect(item({ ...nothing, xrayTraces: 0.1 }, "X-Ray traces")).toBeCloseTo(0.5, 9);
  });

  it("bills Lambda per invocation and per GB-second, each millisecond rounded up", () => {
    const usage: Usage = {
      ...nothing,
      functions: [
        { name: "a", memoryMb: 1024, invocations: 1, durationMs: 24.2 },
        { name: "b", memoryMb: 512, invocations: 0.5, durationMs: 10 },
      ],
    };
    expect(item(usage, "Lambda requests")).toBeCloseTo(0.3, 9);
    // (1 GB × 0.025 s) + (0.5 GB × 0.010 s × 0.5) = 0.0275 GB-s per DM.
    expect(item(usage, "Lambda duration")).toBeCloseTo(0.0275 * 0.0000133334 * 1e6, 9);
    expect(costPerMillion(usage).usdPerMillion).toBeCloseTo(0.3 + 0.0275 * 13.3334, 6);
  });
});

const inboundRow = (batchSize: number, writeUnitsPerEvent: number): InboundRow => ({
  batchSize,
  posts: 10,
  eventsPerSecond: 100,
  baselineEventsPerSecond: 1000,
  throughputRatio: 0.1,
  p50Ms: 20,
  p99Ms: 40,
  baselineP50Ms: 1,
  baselineP99Ms: 2,
  p50Ratio: 20,
  dynamo: {
    requestsPerEvent: 2,
    writeUnitsPerEvent,
    reportedWriteUnitsPerEvent: writeUnitsPerEvent,
    writeItemsPerEvent: 2,
    readUnitsPerEvent: 0.5,
    sequentialRoundTripsPerPost: 2,
    byOperationPerPost: {},
  },
  handlerMs: 20,
  baselineHandlerMs: 1,
  logBytesPerEvent: 300,
  logLinesPerEvent: 1,
  non2xx: 0,
  statuses: { "200": 10 },
  runs: { eventsPerSecond: [100], baselineEventsPerSecond: [1000] },
});

describe("against the floor", () => {
  it("an inbound DM's floor writes the message once and its conversation once per POST", () => {
    const single = inboundCost(inboundRow(1, 8));
    const writes = (c: typeof single.floor) =>
      c.lines.find((l) => l.item === "DynamoDB writes")?.usdPerMillion;
    expect(writes(single.floor)).toBeCloseTo(2 * 0.625, 9);
    expect(writes(single.actual)).toBeCloseTo(8 * 0.625, 9);
    // 1000 events over the bench's 50 conversations: 1 + 50/1000 units per event.
    expect(writes(inboundCost(inboundRow(1000, 4.2)).floor)).toBeCloseTo(1.05 * 0.625, 9);
    expect(single.actual.usdPerMillion).toBeGreaterThan(single.floor.usdPerMillion);
  });

  it("a sent DM adds accept and sender, and the report shows both with the ratio", () => {
    const outbound: OutboundRow = {
      messages: 200,
      sendsPerSecond: 60,
      dynamoRequestsPerMessage: 9,
      dynamoWriteUnitsPerMessage: 12,
      dynamoReportedWriteUnitsPerMessage: 11,
      dynamoWriteItemsPerMessage: 5,
      dynamoReadUnitsPerMessage: 5,
      sqsRequestsPerMessage: 2.4,
      byOperationPerMessage: {},
      senderMs: { median: 30, min: 10 },
      senderLogBytesPerMessage: 500,
      accept: {
        dynamoRequestsPerMessage: 3,
        dynamoWriteUnitsPerMessage: 2,
        dynamoWriteItemsPerMessage: 1,
        dynamoReadUnitsPerMessage: 1,
        sqsRequestsPerMessage: 1,
        handlerMs: { median: 15, min: 5 },
        logBytesPerMessage: 200,
      },
      acceptToMeta: { p50Ms: 40, p99Ms: 90 },
      runs: { sendsPerSecond: [60] },
    };
    const cost = outboundCost(outbound);
    expect(cost.actual.lines.find((l) => l.item === "DynamoDB writes")?.usdPerMillion).toBeCloseTo(
      14 * 0.625,
      9,
    );
    expect(cost.actual.lines.find((l) => l.item === "CloudWatch Logs")?.usdPerMillion).toBeCloseTo(
      (700 / 1e9) * 0.5 * 1e6,
      9,
    );
    const report = markdownReport({
      startedAt: "2026-11-29T00:00:00.000Z",
      machine: { cpus: 2, cpuModel: "x", memoryGb: 1, node: "v24", commit: "abc" },
      settings: { quick: true },
      inbound: [inboundRow(1, 8)],
      outbound: [outbound],
      skipped: {},
    });
    expect(report).toContain("## Cost (US$ per million DMs");
    const sentLine = report.split("\n").find((l) => l.startsWith("| sent (accept + sender)"));
    expect(sentLine).toContain(`${(cost.actual.usdPerMillion / cost.floor.usdPerMillion).toFixed(2)}×`);
  });
});
