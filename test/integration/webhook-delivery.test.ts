import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { SQSRecord } from "aws-lambda";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { webhookPoster } from "../../lambdas/adapters/events/webhook-sender";
import { type AppEvent, EVENT_SOURCE } from "../../lambdas/contract/events";
import { WebhookDeliveryQueue } from "../../lambdas/contract/queues";
import { retryDelaySeconds } from "../../lambdas/domain/events/webhook-policy";
import { deliverBatch } from "../../lambdas/wiring/webhook-delivery";

/**
 * Outgoing webhooks against a real HTTP receiver that verifies every request with the `standardwebhooks`
 * package. SQS's part (redelivering a failed record after its visibility, up to maxReceiveCount, then the DLQ)
 * is played by `runQueue` below, faithful to the redrive policy of lib/constructs/events.ts; the delays the
 * function asks for are recorded, not waited.
 */

const SECRET = `whsec_${Buffer.from("an-app-webhook-secret-for-tests-only-32b").toString("base64")}`;
const verifier = new Webhook(SECRET);

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly payload: unknown;
}
let server: Server;
let url: string;
/** What the receiver answers next, in order; then 200. `hang` never answers (a timeout). */
let script: (number | "hang")[] = [];
let received: Received[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = request.headers as Record<string, string>;
      // Throws on a bad signature, a stale timestamp or a missing header.
      const payload = verifier.verify(body, headers);
      received.push({ headers: request.headers, payload });
      const next = script.shift() ?? 200;
      if (next === "hang") return;
      response.writeHead(next).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  script = [];
  received = [];
});

const event: AppEvent = {
  specVersion: 1,
  id: "evt_0123456789abcdef0123456789abcdef",
  type: "integration.status_changed",
  occurredAt: "2026-11-29T18:00:00.000Z",
  imoId: "imo-1",
  userId: "user-1",
  data: { igAccountId: "17841400000000001", status: "needs_reauth", previousStatus: "connected" },
};

/** The SQS record an EventBridge → SQS rule target produces, at a given receive count. */
function sqsRecord(body: unknown, receiveCount: number): SQSRecord {
  return {
    messageId: "m-1",
    receiptHandle: `rh-${receiveCount}`,
    body: JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: "0",
      SenderId: "events.amazonaws.com",
      ApproximateFirstReceiveTimestamp: "0",
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:eu-west-1:000000000000:webhooks",
    awsRegion: "eu-west-1",
  };
}
const bridged = (detail: unknown) => ({ version: "0", source: EVENT_SOURCE, "detail-type": "x", detail });

/** SQS with the delivery queue's redrive policy: receive, and again while the function reports it failed. */
async function runQueue(body: unknown, timeoutMs = 2_000) {
  const post = webhookPoster(url, SECRET, { timeoutMs });
  const delays: number[] = [];
  for (let receiveCount = 1; receiveCount <= WebhookDeliveryQueue.maxReceiveCount; receiveCount++) {
    const result = await deliverBatch([sqsRecord(body, receiveCount)], {
      post,
      retryLater: async (_receipt, seconds) => {
        delays.push(seconds);
      },
      log: () => undefined,
    });
    if (result.batchItemFailures.length === 0)
      return { outcome: "deleted" as const, attempts: receiveCount, delays };
  }
  return { outcome: "dead_lettered" as const, attempts: WebhookDeliveryQueue.maxReceiveCount, delays };
}

describe("outgoing webhooks, verified by a Standard Webhooks receiver", () => {
  it("a 2xx delivers once: body { type, timestamp, data }, webhook-id is the event id, v1 signature", async () => {
    const run = await runQueue(bridged(event));
    expect(run).toEqual({ outcome: "deleted", attempts: 1, delays: [] });
    expect(received).toHaveLength(1);
    const [first] = received;
    expect(first?.headers["webhook-id"]).toBe(event.id);
    expect(first?.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(first?.payload).toEqual({ type: event.type, timestamp: event.occurredAt, data: event });
  });

  it("500s are retried with growing backoff and the same webhook-id until a 2xx", async () => {
    script = [500, 503, 500];
    const run = await runQueue(bridged(event));
    expect(run).toEqual({ outcome: "deleted", attempts: 4, delays: [1, 2, 3].map(retryDelaySeconds) });
    expect(new Set(received.map((r) => r.headers["webhook-id"]))).toEqual(new Set([event.id]));
  });

  it("a receiver that does not answer in time is retried (timeout), then delivered", async () => {
    script = ["hang"];
    const run = await runQueue(bridged(event), 300);
    expect(run.outcome).toBe("deleted");
    expect(run.attempts).toBe(2);
    expect(received).toHaveLength(2);
  });

  it("408 and 429 are retried; 400 is not (dropped after one attempt)", async () => {
    script = [408, 429];
    expect((await runQueue(bridged(event))).attempts).toBe(3);
    received = [];
    script = [400];
    expect(await runQueue(bridged(event))).toEqual({ outcome: "deleted", attempts: 1, delays: [] });
    expect(received).toHaveLength(1);
  });

  it("a receiver that keeps failing gets maxReceiveCount attempts, then the event is dead-lettered", async () => {
    script = Array.from({ length: WebhookDeliveryQueue.maxReceiveCount }, () => 500);
    const run = await runQueue(bridged(event));
    expect(run.outcome).toBe("dead_lettered");
    expect(received).toHaveLength(WebhookDeliveryQueue.maxReceiveCount);
    expect(run.delays.at(-1)).toBe(WebhookDeliveryQueue.maxRetrySeconds);
  });

  it("a record that is not an event is never POSTed and ends in the DLQ", async () => {
    const run = await runQueue(bridged({ type: "message.received", token: "EAAB-not-an-event" }));
    expect(run.outcome).toBe("dead_lettered");
    expect(received).toHaveLength(0);
  });

  it("a signature made with another secret is refused by the receiver's library", () => {
    const body = JSON.stringify({ type: event.type, timestamp: event.occurredAt, data: event });
    const at = new Date();
    const forged = new Webhook(`whsec_${Buffer.from("another-secret-another-secret-32").toString("base64")}`);
    const headers = {
      "webhook-id": event.id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": forged.sign(event.id, at, body),
    };
    expect(() => verifier.verify(body, headers)).toThrow();
  });
});
