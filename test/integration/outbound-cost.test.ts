import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetaSimulator, startMetaSimulator } from "../../dev/meta-simulator/index";
import type { CapacityMeter } from "../../lambdas/adapters/dynamo/capacity";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { sqsClient } from "../../lambdas/adapters/sqs/client";
import { OutboundQueue } from "../../lambdas/contract/queues";
import { acceptMessage, type SendMessageInput } from "../../lambdas/domain/outbound/accept";
import { outboundWiring } from "../../lambdas/wiring/outbound";
import { FAKE } from "../support/fake-secrets";
import { TEST_KEYS } from "../support/keys";
import { freshQueues, freshTable } from "../support/local-aws";
import { seedConversation, seedIntegration } from "../support/outbound-harness";

/** Counts every SQS request a client makes, by command name. */
function countingSqs(): { client: SQSClient; counts: Record<string, number> } {
  const client = sqsClient();
  const counts: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? "unknown");
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: "initialize", name: "countRequests" },
  );
  return { client, counts };
}

function meterOf(): CapacityMeter & { write: number; read: number; reset(): void } {
  const meter = {
    write: 0,
    read: 0,
    add(units: { read: number; write: number }) {
      meter.write += units.write;
      meter.read += units.read;
    },
    reset() {
      meter.write = 0;
      meter.read = 0;
    },
  };
  return meter;
}

/**
 * DynamoDB write units (ReturnConsumedCapacity) and SQS requests per sent message, through the real adapters on
 * DynamoDB Local, the local SQS server and the simulator. The test acts as Lambda's poller (receive one, run
 * the sender, delete unless reported failed), so its requests are counted too.
 */
describe("cost per sent message", () => {
  let sim: MetaSimulator;
  let tableName: string;
  let queueUrl: string;
  let dlqUrl: string;
  const N = 20;

  beforeAll(async () => {
    sim = await startMetaSimulator({ appId: FAKE.appId, appSecret: FAKE.igAppSecret });
    tableName = await freshTable();
    ({ queueUrl, dlqUrl } = await freshQueues());
  });
  afterAll(async () => {
    await sim.stop();
  });

  async function measure(
    cap: number,
    withKey: boolean,
    imoId: string,
    clockOffsetMs = 0,
    content: (i: number) => Partial<SendMessageInput> = (i) => ({ text: `cost ${i}` }),
    /** Queue records per accepted message: a message in parts has one per part. */
    recordsPerMessage = 1,
  ) {
    const tenant = { imoId, userId: "user-cost" };
    await seedIntegration(tableName, { token: sim.issueToken(), tenant });
    const meter = meterOf();
    const sqs = countingSqs();
    // The limiter is per account: an offset clock keeps earlier measurements' sends out of this one's hour.
    let now = Date.now() + clockOffsetMs;
    const clock = () => now;
    const wiring = outboundWiring(
      {
        tableName,
        queueUrl,
        dlqUrl,
        capPerHour: cap,
        metaHosts: { oauthUrl: sim.url, apiUrl: sim.url, graphUrl: sim.url, graphVersion: "v25.0" },
      },
      { db: documentClient(), sqs: sqs.client, meter, now: clock, random: () => 0.5 },
    );
    const acceptDeps = wiring.accept;
    const igsids = Array.from({ length: N }, (_, i) =>
      String(7_000_000_000 + i + (withKey ? 100 : 0) + cap * 1000 + (clockOffsetMs > 0 ? 500 : 0)),
    );
    for (const igsid of igsids) {
      sim.openWindow({ igsid });
      await seedConversation(tableName, now - 60_000, { imoId, igsid });
    }
    meter.reset();
    for (const [i, igsid] of igsids.entries()) {
      await acceptMessage(
        tenant,
        { recipientId: igsid, ...content(i) },
        withKey ? `key-${imoId}-${i}` : undefined,
        acceptDeps,
      );
    }
    const acceptWrites = meter.write;
    const acceptSqs = { ...sqs.counts };

    meter.reset();
    for (const key of Object.keys(sqs.counts)) delete sqs.counts[key];
    const deps = wiring.sender(TEST_KEYS);
    // One pass, as Lambda's poller would: receive one record, run the sender, delete it unless reported failed.
    let sent = 0;
    let deferred = 0;
    for (let round = 0; round < N * recordsPerMessage; round += 1) {
      const received = await sqs.client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: OutboundQueue.batchSize,
          MessageSystemAttributeNames: ["All"],
        }),
      );
      const records = (received.Messages ?? []).map(
        (m) =>
          ({
            messageId: m.MessageId,
            receiptHandle: m.ReceiptHandle,
            body: m.Body,
            attributes: {
              ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount,
              MessageGroupId: m.Attributes?.MessageGroupId,
            },
          }) as unknown as SQSRecord,
      );
      const result = await wiring.runBatch(records, deps);
      const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
      for (const record of records) {
        if (failed.has(record.messageId)) {
          deferred += 1;
          continue;
        }
        await sqs.client.send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }),
        );
        sent += 1;
      }
      now += 200;
    }
    expect(sent + deferred).toBe(N * recordsPerMessage);
    const perMessage = (counts: Record<string, number>, n: number) =>
      Object.fromEntries(
        Object.entries(counts).map(([k, v]) => [k.replace("Command", ""), +(v / n).toFixed(2)]),
      );
    return {
      sent,
      deferred,
      acceptWcu: acceptWrites / N,
      senderWcu: meter.write,
      acceptSqs: perMessage(acceptSqs, N),
      senderSqs: { ...sqs.counts },
    };
  }

  it("measures write units and SQS requests per sent message, and the extra cost of waiting for the cap", async () => {
    const free = await measure(200, false, "imo-cost-free");
    const keyed = await measure(200, true, "imo-cost-keyed");
    const capped = await measure(5, false, "imo-cost-capped", 3 * 3600_000);
    expect(free.sent).toBe(N);
    expect(capped.sent).toBe(5);
    const sendWcu = free.senderWcu / N;
    const waitWcu = (capped.senderWcu - capped.sent * sendWcu) / capped.deferred;
    const report = {
      acceptWcu: { withoutKey: free.acceptWcu, withIdempotencyKey: keyed.acceptWcu },
      senderWcuPerSentMessage: sendWcu,
      extraWcuPerWaitingMessage: +waitWcu.toFixed(2),
      acceptSqsPerMessage: free.acceptSqs,
      senderSqsPerSentMessage: Object.fromEntries(
        Object.entries(free.senderSqs).map(([k, v]) => [k.replace("Command", ""), v / N]),
      ),
      senderSqsPerWaitingMessage: {
        // One request per deferred record alone, one per ten in a batch (ChangeMessageVisibilityBatch).
        ChangeMessageVisibility:
          ((capped.senderSqs.ChangeMessageVisibilityCommand ?? 0) +
            (capped.senderSqs.ChangeMessageVisibilityBatchCommand ?? 0)) /
          capped.deferred,
        extraReceive: 1,
      },
    };
    console.info(`[outbound-cost] ${JSON.stringify(report)}`);
    expect(free.acceptWcu).toBeLessThanOrEqual(2);
    expect(keyed.acceptWcu).toBeGreaterThan(free.acceptWcu);
    // 12, plus 1 since the sender moves the conversation's preview when Meta accepts a reply (issue 14).
    expect(sendWcu).toBeLessThanOrEqual(13);
    expect(report.senderSqsPerWaitingMessage.ChangeMessageVisibility).toBeGreaterThan(0);
    expect(report.senderSqsPerWaitingMessage.ChangeMessageVisibility).toBeLessThanOrEqual(1);
  }, 120_000);

  it("a rich reply costs what its item size costs: a full carousel against a short text (issue 16)", async () => {
    const button = (i: number) => ({
      type: "postback" as const,
      title: `Option ${i}`,
      payload: `P${i}`.repeat(40),
    });
    const carousel = {
      template: {
        type: "generic" as const,
        elements: Array.from({ length: 10 }, (_, i) => ({
          title: `Linen shirt ${i}`.padEnd(80, "."),
          subtitle: "Sand, size M".padEnd(80, "."),
          imageUrl: `https://cdn.example/${i}.jpg`,
          buttons: [button(1), button(2), button(3)],
        })),
      },
    };
    const rich = await measure(200, false, "imo-cost-rich", 48 * 3600_000, () => carousel);
    expect(rich.sent).toBe(N);
    const report = { acceptWcu: rich.acceptWcu, senderWcuPerSentMessage: rich.senderWcu / N };
    console.info(`[outbound-cost] full generic template: ${JSON.stringify(report)}`);
    // Same requests as text (no extra round trip per kind), but the ~7 KB item costs 7 WCU per write of it, on
    // the table and again on gsi1 (all attributes projected): measured 14 at accept and 49 to send, against 2 and 13.
    expect(rich.acceptWcu).toBeLessThanOrEqual(14);
    expect(rich.senderWcu / N).toBeLessThanOrEqual(49);
  }, 120_000);

  it("a message in parts costs a single message's writes per part, plus the parent's share (issue 16)", async () => {
    const media = [
      { type: "image" as const, url: "https://cdn.example/a.jpg" },
      { type: "image" as const, url: "https://cdn.example/b.jpg" },
      { type: "video" as const, url: "https://cdn.example/c.mp4" },
      { type: "audio" as const, url: "https://cdn.example/d.m4a" },
    ];
    const parts = await measure(
      200,
      false,
      "imo-cost-parts",
      96 * 3600_000,
      () => ({ attachments: media }),
      3,
    );
    expect(parts.sent).toBe(N * 3);
    const report = {
      acceptWcu: parts.acceptWcu,
      senderWcuPerMessage: parts.senderWcu / N,
      senderWcuPerPart: parts.senderWcu / (N * 3),
      acceptSqs: parts.acceptSqs,
    };
    console.info(`[outbound-cost] message in 3 parts: ${JSON.stringify(report)}`);
    // One SendMessage per part at accept. Measured: 6 WCU at accept (parent, 3 parts, one transaction) and 21 per
    // part to send (13 of a text, plus the parent's update, on the table and gsi1, in each part's transitions).
    expect(parts.acceptSqs.SendMessage).toBe(3);
    expect(parts.acceptWcu).toBeLessThanOrEqual(6);
    expect(parts.senderWcu / (N * 3)).toBeLessThanOrEqual(21);
  }, 180_000);
});
