import { DeleteMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetaSimulator, startMetaSimulator } from "../../dev/meta-simulator/index";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { dynamoErasureStore } from "../../lambdas/adapters/dynamo/erasure";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { dynamoSendLimiter } from "../../lambdas/adapters/dynamo/send-limiter";
import { Paths } from "../../lambdas/contract/routes";
import { conversationId } from "../../lambdas/domain/conversation";
import { limiterPolicy } from "../../lambdas/domain/outbound/limiter";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { freshQueues, freshTable, localSqs } from "../support/local-aws";
import {
  ACCOUNT,
  claimsOf,
  getMessage,
  type HttpHandler,
  postMessage,
  readItem,
  receiveRecords,
  seedConversation,
  seedIntegration,
} from "../support/outbound-harness";
import { scanTable } from "../support/table-scan";
import { deliveryOf, fromBusiness, webhookPost } from "../support/webhook-fixtures";

type SqsHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

const IMAGE_A = "https://cdn.example/a.jpg";
const IMAGE_B = "https://cdn.example/b.png";
const VIDEO = "https://cdn.example/clip.mp4";
const AUDIO = "https://cdn.example/note.m4a";
/** Two images (one Meta message), a video, an audio: three parts. */
const MIXED = [
  { type: "image", url: IMAGE_A },
  { type: "image", url: IMAGE_B },
  { type: "video", url: VIDEO },
  { type: "audio", url: AUDIO },
];
/** Send-message page: "one or more images, a video, or an audio file" per message, in the bodies Meta documents. */
const META_BODIES = [
  {
    attachments: [
      { type: "image", payload: { url: IMAGE_A } },
      { type: "image", payload: { url: IMAGE_B } },
    ],
  },
  { attachment: { type: "video", payload: { url: VIDEO } } },
  { attachment: { type: "audio", payload: { url: AUDIO } } },
];

/*
 * A message in parts through the whole pipe (docs/outbound.md, "Parts"): one app message accepted by the API,
 * sent by the sender as consecutive Meta messages in order (the simulator's request log), one cap slot per part,
 * each part's echo matched to it, a failing part stopping the later ones, idempotency, isolation and erasure.
 */
describe("a message in parts against DynamoDB Local, the local SQS server and the Meta simulator", () => {
  let sim: MetaSimulator;
  let tableName: string;
  let queueUrl: string;
  let accept: HttpHandler;
  let status: HttpHandler;
  let listMessages: HttpHandler;
  let webhook: HttpHandler;
  let sender: SqsHandler;
  let scenarioCount = 0;

  beforeAll(async () => {
    sim = await startMetaSimulator({ appId: FAKE.appId, appSecret: FAKE.igAppSecret });
    tableName = await freshTable();
    const queues = await freshQueues();
    queueUrl = queues.queueUrl;
    setHandlerEnv({
      tableName,
      OUTBOUND_QUEUE_URL: queueUrl,
      OUTBOUND_DLQ_URL: queues.dlqUrl,
      INSTAGRAM_GRAPH_URL: sim.url,
    });
    accept = (await import("../../lambdas/handlers/message-send")).handler as HttpHandler;
    status = (await import("../../lambdas/handlers/message-get")).handler as HttpHandler;
    listMessages = (await import("../../lambdas/handlers/conversation-messages")).handler as HttpHandler;
    webhook = (await import("../../lambdas/handlers/webhook-receive")).handler as HttpHandler;
    sender = (await import("../../lambdas/handlers/sender")).handler as unknown as SqsHandler;
  });

  afterAll(async () => {
    sim.clearFaults();
    await sim.stop();
  });

  async function scenario() {
    scenarioCount += 1;
    const tenant = { imoId: `imo-p${scenarioCount}`, userId: `user-p${scenarioCount}` };
    const igsid = String(3_416_870_900_003_000 + scenarioCount);
    await seedIntegration(tableName, { token: sim.issueToken(), tenant });
    sim.openWindow({ igsid });
    await seedConversation(tableName, Date.now() - 60_000, { imoId: tenant.imoId, igsid });
    return { tenant, igsid, conversationId: conversationId(ACCOUNT, igsid) };
  }
  type Scenario = Awaited<ReturnType<typeof scenario>>;

  async function acceptParts(s: Scenario, key?: string) {
    const response = await postMessage(
      accept,
      { recipientId: s.igsid, attachments: MIXED },
      { tenant: s.tenant, ...(key === undefined ? {} : { key }) },
    );
    expect(response.statusCode, response.body).toBe(202);
    return JSON.parse(response.body ?? "{}") as { messageId: string; status: string };
  }

  /**
   * Runs the sender on the message's part records one at a time, as Lambda does (batch size 1, the record
   * deleted once handled, which lets the FIFO group hand over the next). `before(n)` runs before part n (1-based).
   */
  async function sendParts(messageId: string, before: (part: number) => void = () => undefined) {
    const handled: string[] = [];
    for (let round = 0; round < 10; round++) {
      const [record] = (await receiveRecords(queueUrl)).filter((r) =>
        String(JSON.parse(r.body).messageId).startsWith(`${messageId}-p`),
      );
      if (record === undefined) break;
      before(handled.length + 1);
      expect((await sender({ Records: [record] }, lambdaContext("sender"))).batchItemFailures).toEqual([]);
      await localSqs().send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }),
      );
      handled.push(String(JSON.parse(record.body).messageId));
    }
    return handled;
  }

  function metaRequests(s: Scenario) {
    return sim
      .requests()
      .filter((r) => r.method === "POST" && r.path.endsWith("/messages"))
      .filter((r) => (r.json as { recipient?: { id?: string } }).recipient?.id === s.igsid);
  }

  async function messagesOf(s: Scenario, tenant = s.tenant) {
    const response = await listMessages(
      httpEvent({
        method: "GET",
        route: Paths.conversationMessages,
        path: `/instagram/conversations/${s.conversationId}/messages`,
        pathParameters: { conversationId: s.conversationId },
        claims: claimsOf(tenant),
      }),
      lambdaContext(),
    );
    return {
      statusCode: response.statusCode,
      items: (JSON.parse(response.body ?? "{}") as { items?: Record<string, unknown>[] }).items ?? [],
    };
  }

  async function slotsUsed(): Promise<number> {
    const state = await dynamoSendLimiter({ db: documentClient(), tableName }, limiterPolicy(200)).state(
      ACCOUNT,
    );
    return state.runs.reduce((sum, [, count]) => sum + count, 0);
  }

  it("is sent as one Meta message per part, in order, with the documented bodies; 3 parts take 3 cap slots", async () => {
    const s = await scenario();
    const { messageId, status: accepted } = await acceptParts(s);
    expect(accepted).toBe("queued");
    const slotsBefore = await slotsUsed();
    expect(await sendParts(messageId)).toEqual([1, 2, 3].map((n) => `${messageId}-p${n}`));
    expect((await slotsUsed()) - slotsBefore).toBe(3);

    const requests = metaRequests(s);
    expect(requests.map((r) => r.json)).toEqual(
      META_BODIES.map((message) => ({ recipient: { id: s.igsid }, message })),
    );
    expect(requests.map((r) => r.status)).toEqual([200, 200, 200]);
    const mids = sim
      .sentMessages()
      .filter((m) => m.recipientId === s.igsid)
      .map((m) => m.messageId);
    expect(mids).toHaveLength(3);

    const shown = await getMessage(status, messageId, s.tenant);
    expect(shown.statusCode).toBe(200);
    expect(JSON.parse(shown.body ?? "{}")).toMatchObject({
      messageId,
      status: "sent",
      parts: [
        { kind: "images", media: 2, status: "sent", mid: mids[0] },
        { kind: "attachment", media: 1, status: "sent", mid: mids[1] },
        { kind: "attachment", media: 1, status: "sent", mid: mids[2] },
      ],
    });
  });

  it("each part's echo is matched to its part: the conversation shows one outbound message", async () => {
    const s = await scenario();
    const { messageId } = await acceptParts(s);
    await sendParts(messageId);
    const sent = sim.sentMessages().filter((m) => m.recipientId === s.igsid);
    const echoes = sent.map((m, i) => ({
      mid: m.messageId,
      is_echo: true,
      attachments: (META_BODIES[i]?.attachments ?? [META_BODIES[i]?.attachment]).map((a) => a),
    }));
    const delivered = await webhook(
      webhookPost(deliveryOf(echoes.map((echo) => fromBusiness(Date.now(), { message: echo }, s.igsid)))),
      lambdaContext("webhook-receive"),
    );
    expect(delivered.statusCode).toBe(200);
    for (const echo of echoes) {
      expect(await readItem(tableName, Keys.message(s.tenant.imoId, echo.mid))).toBeUndefined();
    }
    const { items } = await messagesOf(s);
    const outbound = items.filter((m) => m.direction === "outbound");
    expect(outbound).toHaveLength(1);
    expect(outbound[0]).toMatchObject({
      messageId,
      status: "sent",
      source: "api",
      attachments: MIXED.map((m) => expect.objectContaining(m)),
      rich: {
        kind: "parts",
        parts: sent.map((m) => expect.objectContaining({ status: "sent", mid: m.messageId })),
      },
    });
    // Each part item carries its own echo confirmation.
    const part2 = await readItem(tableName, Keys.message(s.tenant.imoId, `${messageId}-p2`));
    expect(part2).toMatchObject({ status: "sent", mid: sent[1]?.messageId, echoedAt: expect.any(Number) });
  });

  it("a part-2 failure reports part 1 sent with its mid, part 2 failed with the reason, part 3 not sent", async () => {
    const s = await scenario();
    const { messageId } = await acceptParts(s);
    // Meta refuses the second request (outside the window, a failure for good); the third record is handled
    // (and finds its part failed) without reaching Meta.
    const handled = await sendParts(messageId, (part) => {
      if (part === 2) sim.injectFault({ kind: "window_closed", target: "send", igAccountId: ACCOUNT });
    });
    expect(handled).toHaveLength(3);

    const requests = metaRequests(s);
    expect(requests).toHaveLength(2);
    expect(requests[1]?.status).not.toBe(200);
    const [sent] = sim.sentMessages().filter((m) => m.recipientId === s.igsid);
    const shown = JSON.parse((await getMessage(status, messageId, s.tenant)).body ?? "{}");
    expect(shown).toMatchObject({
      status: "failed",
      failureReason: "window_closed",
      parts: [
        { kind: "images", status: "sent", mid: sent?.messageId },
        { kind: "attachment", status: "failed", failureReason: "window_closed" },
        { kind: "attachment", status: "failed", failureReason: "previous_part_failed" },
      ],
    });
    expect(shown.parts[1].mid).toBeUndefined();
    expect(shown.parts[2].mid).toBeUndefined();
    const { items } = await messagesOf(s);
    expect(items.filter((m) => m.direction === "outbound")).toEqual([
      expect.objectContaining({ messageId, status: "failed", failureReason: "window_closed" }),
    ]);
  });

  it("a transient failure of part 2 is retried on its own backoff; part 3 waits behind it; all go out in order", async () => {
    const s = await scenario();
    const { messageId } = await acceptParts(s);
    let deferredOnce = false;
    const handled: string[] = [];
    const deadline = Date.now() + 40_000;
    while (handled.length < 3 && Date.now() < deadline) {
      const [record] = (await receiveRecords(queueUrl)).filter((r) =>
        String(JSON.parse(r.body).messageId).startsWith(`${messageId}-p`),
      );
      if (record === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      const id = String(JSON.parse(record.body).messageId);
      if (id === `${messageId}-p2` && !deferredOnce) {
        sim.injectFault({ kind: "server_error", target: "send", igAccountId: ACCOUNT });
      }
      const failures = (await sender({ Records: [record] }, lambdaContext("sender"))).batchItemFailures;
      if (failures.length > 0) {
        // Only part 2, once: the sender hid it until its retry; the parent is still under way.
        expect(id).toBe(`${messageId}-p2`);
        expect(deferredOnce).toBe(false);
        deferredOnce = true;
        const waiting = JSON.parse((await getMessage(status, messageId, s.tenant)).body ?? "{}");
        expect(waiting).toMatchObject({
          status: "sending",
          parts: [{ status: "sent" }, { status: "queued" }, { status: "queued" }],
        });
        continue;
      }
      await localSqs().send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }),
      );
      handled.push(id);
    }
    expect(deferredOnce).toBe(true);
    expect(handled).toEqual([1, 2, 3].map((n) => `${messageId}-p${n}`));
    const requests = metaRequests(s);
    // Part 1, part 2 refused (500), part 2 again, part 3: the refused request never reached the customer.
    expect(requests.map((r) => r.status)).toEqual([200, 500, 200, 200]);
    expect(requests.filter((r) => r.status === 200).map((r) => r.json)).toEqual(
      META_BODIES.map((message) => ({ recipient: { id: s.igsid }, message })),
    );
    const part2 = await readItem(tableName, Keys.message(s.tenant.imoId, `${messageId}-p2`));
    expect(part2).toMatchObject({ status: "sent", attempts: 2 });
    const done = JSON.parse((await getMessage(status, messageId, s.tenant)).body ?? "{}");
    expect(done).toMatchObject({
      status: "sent",
      parts: [{ status: "sent" }, { status: "sent" }, { status: "sent" }],
    });
  }, 60_000);

  it("the same Idempotency-Key answers the same message: one parent, no extra parts or records", async () => {
    const s = await scenario();
    const first = await acceptParts(s, "parts-key-1");
    const again = await acceptParts(s, "parts-key-1");
    expect(again.messageId).toBe(first.messageId);
    const items = (await scanTable(tableName)).filter((i) => i.imoId === s.tenant.imoId);
    expect(items.filter((i) => i.entity === "message" && i.direction === "outbound")).toHaveLength(1);
    expect(items.filter((i) => i.entity === "messagePart")).toHaveLength(3);
    // A replay re-enqueues parts still queued; duplicates are collapsed by the FIFO dedup id (the part id) or
    // found already sent by the sender: Meta gets each part once.
    await sendParts(first.messageId);
    expect(metaRequests(s)).toHaveLength(3);
    const replay = await acceptParts(s, "parts-key-1");
    expect(replay).toEqual({ messageId: first.messageId, status: "sent" });
    expect(await sendParts(first.messageId)).toEqual([]);
    expect(metaRequests(s)).toHaveLength(3);
  });

  it("another tenant cannot read it, and a part is never readable as a message of its own", async () => {
    const s = await scenario();
    const other = await scenario();
    const { messageId } = await acceptParts(s);
    await sendParts(messageId);
    expect((await getMessage(status, messageId, other.tenant)).statusCode).toBe(404);
    expect((await getMessage(status, `${messageId}-p1`, s.tenant)).statusCode).toBe(404);
    expect((await getMessage(status, `${messageId}-p1`, other.tenant)).statusCode).toBe(404);
    const listed = await messagesOf(s, other.tenant);
    expect(listed.items.some((m) => m.messageId === messageId)).toBe(false);
  });

  it("a data deletion erases the parent, every part item and every part's mid pointer", async () => {
    const s = await scenario();
    const { messageId } = await acceptParts(s, "parts-key-erase");
    await sendParts(messageId);
    const mids = sim
      .sentMessages()
      .filter((m) => m.recipientId === s.igsid)
      .map((m) => m.messageId);
    expect(mids).toHaveLength(3);
    const mine = async () =>
      (await scanTable(tableName)).filter(
        (i) => String(i.pk).includes(s.tenant.imoId) || i.imoId === s.tenant.imoId,
      );
    const before = await mine();
    expect(before.filter((i) => i.entity === "messagePart")).toHaveLength(3);
    expect(before.filter((i) => i.entity === "sentMid")).toHaveLength(3);

    await dynamoErasureStore(documentClient(), tableName).eraseAccountData(
      s.tenant.imoId,
      ACCOUNT,
      () => false,
    );
    const left = await mine();
    expect(left.filter((i) => i.entity !== "integration")).toEqual([]);
    for (const mid of mids)
      expect(await readItem(tableName, Keys.sentMid(s.tenant.imoId, mid))).toBeUndefined();
    expect(await readItem(tableName, Keys.message(s.tenant.imoId, `${messageId}-p2`))).toBeUndefined();
  });
});
