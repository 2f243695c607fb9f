import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalEvents } from "../dev/local-server/local-events";
import { stopStack } from "../dev/local-server/stop-stack";
import { metaJson, signMetaBody } from "../dev/meta-simulator/signing";
import { batch, customerText } from "../dev/meta-simulator/webhook-payloads";
import { Env } from "../lambdas/contract/env";
import { Paths, type RouteDeclaration } from "../lambdas/contract/routes";
import { type HttpHandler, startHttpHost } from "./support/http-host";
import { BENCH_SECRETS, seedIntegration, startBenchStack } from "./support/local-stack";
import { percentile } from "./support/stats";

const WEBHOOK_ROUTE: RouteDeclaration = {
  method: "POST",
  path: Paths.webhook,
  auth: "public",
  handler: "webhook-receive",
};
const IG_ACCOUNT = "17841400000000002";

export interface EventsOptions {
  /** Customer DMs sent one after another, each timed alone. */
  readonly messages: number;
  /** How long the local stream poller waits when the stream is empty. */
  readonly pollIntervalMs: number;
}

export const defaultEventsOptions: EventsOptions = { messages: 60, pollIntervalMs: 50 };

export interface EventsRow {
  readonly messages: number;
  readonly delivered: number;
  readonly pollIntervalMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/**
 * Webhook POST → event delivered, in local mode's pipeline: a signed customer DM POSTed to the webhook
 * handler, its write read back from DynamoDB Local's stream by the poller, the `events` work (publishChanges),
 * the in-process bus, and the signed Standard Webhooks POST arriving at a receiver. One DM at a time, so each
 * latency is its own. In AWS the stream hop is Lambda's poller (about 4 polls a second per shard, plus the
 * event source's 1-second batching window) and EventBridge → SQS → delivery: expect more than this.
 */
export async function eventsLatency(options: EventsOptions = defaultEventsOptions): Promise<EventsRow[]> {
  const arrived = new Map<string, number>();
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        type: string;
        data: { data: { message?: { text?: string } } };
      };
      const text = body.data.data.message?.text;
      if (body.type === "message.received" && text) arrived.set(text, at);
      response.statusCode = 204;
      response.end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", done));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
  const stack = await startBenchStack();
  const stops = stopStack(() => undefined);
  const stateDir = mkdtempSync(join(tmpdir(), "bench-events-"));
  try {
    await seedIntegration(stack, IG_ACCOUNT);
    writeFileSync(join(stateDir, "secrets.json"), "{}\n", { mode: 0o600 });
    await startLocalEvents(
      {
        dynamoDbEndpoint: stack.dynamo.endpoint,
        tableName: stack.tableName,
        secretsFile: join(stateDir, "secrets.json"),
        env: { [Env.appWebhookUrl]: receiverUrl },
        pollIntervalMs: options.pollIntervalMs,
        log: () => undefined,
      },
      stops,
    );
    // A module instance of its own: the inbound part, run before in the same process, imported the handler with
    // its stack's endpoints (a handler reads its environment once, when loaded).
    const specifier = "../lambdas/handlers/webhook-receive?bench-events";
    const { handler } = (await import(specifier)) as { handler: HttpHandler };
    const host = await startHttpHost([{ route: WEBHOOK_ROUTE, handler }]);
    const latencies: number[] = [];
    try {
      for (let i = 0; i < options.messages; i++) {
        const text = `Bench event ${i} (${Date.now()}): is the linen shirt back in stock?`;
        const body = metaJson(
          batch(
            customerText({
              igAccountId: IG_ACCOUNT,
              igsid: `34168709252${String(i).padStart(5, "0")}`,
              timestamp: Date.now(),
              mid: `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxevents${String(i).padStart(12, "0")}ZDZD`,
              text,
            }),
          ),
        );
        const started = performance.now();
        const response = await fetch(`${host.url}${Paths.webhook}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-hub-signature-256": signMetaBody(body, BENCH_SECRETS.appSecret),
          },
          body,
        });
        await response.arrayBuffer();
        const deadline = performance.now() + 10_000;
        while (!arrived.has(text) && performance.now() < deadline) {
          await new Promise((done) => setTimeout(done, 2));
        }
        const at = arrived.get(text);
        if (at === undefined && i === 0)
          throw new Error(`no event for the first DM within 10 s (POST ${response.status})`);
        // The first DM warms the handler, the poller and the receiver's connection: not counted.
        if (at !== undefined && i > 0) latencies.push(at - started);
      }
    } finally {
      await host.stop();
    }
    return [
      {
        messages: options.messages - 1,
        delivered: latencies.length,
        pollIntervalMs: options.pollIntervalMs,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: Math.max(...latencies),
      },
    ];
  } finally {
    await stops.stopAll();
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
    await new Promise<void>((done) => receiver.close(() => done()));
  }
}
