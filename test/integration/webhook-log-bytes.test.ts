import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logMeter } from "../../bench/support/log-meter";
import { Defaults, Env } from "../../lambdas/contract/env";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { setHandlerEnv } from "../support/handler-env";
import { lambdaContext } from "../support/http-event";
import { freshTable } from "../support/local-aws";
import { ACCOUNT, deliveryOf, fromCustomer, midOf, text, webhookPost } from "../support/webhook-fixtures";
import { connectIntegration } from "../support/webhook-seed";

/**
 * The log bytes CloudWatch would ingest for an inbound DM (issue 19: at most 400 per event at INFO, one
 * structured line, metrics as EMF): the webhook handler as deployed (INFO, metrics on), its output counted
 * by the bench's log meter.
 */
const TRACE_SAMPLED = "Root=1-67d9a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
let handle: (event: HttpEvent) => Promise<HttpResult>;
let sequence = 0;

/** One single-DM delivery through the handler: the bytes and lines it logged, and the lines themselves. */
async function logOf(): Promise<{ bytes: number; lines: number; text: string }> {
  sequence += 1;
  const body = deliveryOf([
    fromCustomer(
      1_780_000_000_000 + sequence,
      text(midOf(`log-${sequence}`), "Is the linen shirt back in M?"),
    ),
  ]);
  const sample = join(mkdtempSync(join(tmpdir(), "log-bytes-")), "lines.jsonl");
  process.env.BENCH_LOG_SAMPLE = sample;
  logMeter.reset();
  logMeter.counting = true;
  try {
    const response = await handle(webhookPost(body));
    expect(response.statusCode).toBe(200);
  } finally {
    logMeter.counting = false;
    delete process.env.BENCH_LOG_SAMPLE;
  }
  return { bytes: logMeter.bytes, lines: logMeter.lines, text: readFileSync(sample, "utf8") };
}

beforeAll(async () => {
  const tableName = await freshTable();
  setHandlerEnv({ tableName });
  // As deployed (the test environment silences logs and metrics): read at module load, so set before import.
  Object.assign(process.env, {
    [Env.logLevel]: "INFO",
    [Env.metricsNamespace]: Defaults.metricsNamespace,
    [Env.serviceName]: Defaults.serviceName,
    POWERTOOLS_METRICS_DISABLED: "false",
  });
  logMeter.install();
  const { handler } = await import("../../lambdas/handlers/webhook-receive");
  handle = (event) => handler(event, lambdaContext("webhook-receive"));
  await connectIntegration(tableName, "imo-logs", ACCOUNT);
});

afterAll(() => {
  logMeter.uninstall();
});

describe("log bytes of an inbound DM at INFO", () => {
  it("one line with the delivery's counts and its metrics (EMF), at most 400 bytes on average", async () => {
    await logOf(); // the first invocation carries cold_start
    const unsampled = await logOf();
    expect(unsampled.lines).toBe(1);
    // What the runbook reads: the delivery's counts, its correlation id and the metric behind the alarms.
    const line = JSON.parse(unsampled.text) as Record<string, unknown>;
    expect(line).toMatchObject({ level: "INFO", message: "webhook delivery stored", events: 1, stored: 1 });
    expect(line.correlation_id).toEqual(expect.any(String));
    expect(line.WebhookEventStored).toBe(1);
    expect(JSON.stringify(line._aws)).toContain("WebhookEventStored");
    process.env._X_AMZN_TRACE_ID = TRACE_SAMPLED;
    const sampled = await logOf();
    delete process.env._X_AMZN_TRACE_ID;
    expect(sampled.lines).toBe(1);
    // X-Ray's default rule samples about 5 % of invocations; only those lines carry the trace id.
    const average = 0.95 * unsampled.bytes + 0.05 * sampled.bytes;
    console.info(
      `webhook log bytes per DM: ${unsampled.bytes} (trace sampled: ${sampled.bytes}), average ${average}`,
    );
    expect(average).toBeLessThanOrEqual(400);
  });
});
