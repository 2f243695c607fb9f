import { DeleteMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetaSimulator, startMetaSimulator } from "../../dev/meta-simulator/index";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import type { Integration } from "../../lambdas/domain/integration";
import { sealToken } from "../../lambdas/domain/token-seal";
import { FB_APP, FB_USERS, ONE_PAGE } from "../support/facebook-connect";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { putIntegration } from "../support/integrations";
import { TEST_KEYS } from "../support/keys";
import { freshQueues, freshTable, localSqs } from "../support/local-aws";
import {
  claimsOf,
  getMessage,
  type HttpHandler,
  postMessage,
  readItem,
  receiveRecords,
  seedConversation,
} from "../support/outbound-harness";

type SqsHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

/**
 * Issue 17, sending for the Facebook Login flavour: the sender posts to `/<PAGE_ID>/messages` on graph.facebook.com
 * with the Page token, through the same window, cap, retry and error paths as Instagram Login; a Page token Meta
 * invalidates (190 with subcode 460/458/492) mid-backlog turns the integration `needs_reauth`, and every queued
 * message ends with a visible status (nothing lost, nothing sent twice).
 */
describe("sending through a Facebook Page (Page token, graph.facebook.com)", () => {
  let sim: MetaSimulator;
  let tableName: string;
  let queueUrl: string;
  let accept: HttpHandler;
  let get: HttpHandler;
  let integrationGet: HttpHandler;
  let sender: SqsHandler;
  let n = 0;

  beforeAll(async () => {
    sim = await startMetaSimulator({
      appId: FAKE.appId,
      appSecret: FAKE.igAppSecret,
      facebookAppId: FB_APP.appId,
      facebookAppSecret: FB_APP.appSecret,
      facebookUsers: [FB_USERS.onePage],
    });
    tableName = await freshTable();
    const queues = await freshQueues();
    queueUrl = queues.queueUrl;
    setHandlerEnv(
      {
        tableName,
        OUTBOUND_QUEUE_URL: queues.queueUrl,
        OUTBOUND_DLQ_URL: queues.dlqUrl,
        INSTAGRAM_GRAPH_URL: sim.url,
        FACEBOOK_GRAPH_URL: sim.url,
      },
      { META_APP_ID: FB_APP.appId, META_APP_SECRET: FB_APP.appSecret },
    );
    accept = (await import("../../lambdas/handlers/message-send")).handler as HttpHandler;
    get = (await import("../../lambdas/handlers/message-get")).handler as HttpHandler;
    integrationGet = (await import("../../lambdas/handlers/integration-get")).handler as HttpHandler;
    sender = (await import("../../lambdas/handlers/sender")).handler as unknown as SqsHandler;
  });

  afterAll(async () => {
    await sim.stop();
  });

  /** A tenant with a Facebook-flavour integration (a fresh Page token) and an open window with a new customer. */
  async function scenario() {
    n += 1;
    const tenant = { imoId: `imo-fb-${n}`, userId: `user-fb-${n}` };
    const igsid = String(3_416_870_900_002_000 + n);
    const token = sim.facebook.issuePageToken({ pageId: ONE_PAGE.id, userId: FB_USERS.onePage.id });
    const now = Date.now();
    const integration: Integration = {
      ...tenant,
      igAccountId: ONE_PAGE.igAccountId,
      appScopedUserId: FB_USERS.onePage.id,
      facebookUserId: FB_USERS.onePage.id,
      loginFlavour: "facebook",
      page: { id: ONE_PAGE.id, name: ONE_PAGE.name },
      username: "riviera.linen.studio",
      status: "connected",
      token: sealToken(token, TEST_KEYS, { ...tenant, igAccountId: ONE_PAGE.igAccountId }),
      tokenIssuedAt: now,
      connectedAt: now,
      updatedAt: now,
      version: 1,
    };
    await putIntegration(tableName, integration);
    sim.openWindow({ igAccountId: ONE_PAGE.igAccountId, igsid });
    await seedConversation(tableName, now - 60_000, {
      imoId: tenant.imoId,
      igAccountId: ONE_PAGE.igAccountId,
      igsid,
    });
    return { tenant, igsid };
  }

  async function acceptAll(s: Awaited<ReturnType<typeof scenario>>, texts: readonly string[]) {
    const ids: string[] = [];
    for (const text of texts) {
      const response = await postMessage(accept, { recipientId: s.igsid, text }, { tenant: s.tenant });
      expect(response.statusCode, response.body ?? "").toBe(202);
      ids.push((JSON.parse(response.body ?? "{}") as { messageId: string }).messageId);
    }
    return ids;
  }

  /**
   * Runs the sender as the event source would, one FIFO record at a time (one conversation: the next record is
   * visible once the previous one is deleted); `between` runs after the first send.
   */
  async function drain(count: number, between: () => void = () => undefined) {
    for (let done = 0, tries = 0; done < count && tries < 40; tries++) {
      const records = await receiveRecords(queueUrl, 1);
      if (records.length === 0) continue;
      expect((await runSender(records)).batchItemFailures).toEqual([]);
      // What Lambda's event source mapping does with a record the handler did not report as failed.
      for (const record of records) {
        await localSqs().send(
          new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }),
        );
      }
      done += records.length;
      if (done === 1) between();
    }
  }

  const runSender = (records: SQSRecord[]) => sender({ Records: records }, lambdaContext("sender"));

  it("posts to /<PAGE_ID>/messages with the Page token; sent with Meta's mid", async () => {
    const s = await scenario();
    const [messageId = ""] = await acceptAll(s, ["Hello from the Page"]);
    await drain(1);

    const sent = sim.sentMessages(ONE_PAGE.igAccountId).filter((m) => m.recipientId === s.igsid);
    expect(sent.map((m) => m.text)).toEqual(["Hello from the Page"]);
    const call = sim
      .requests()
      .filter((r) => r.method === "POST" && r.path === `/v25.0/${ONE_PAGE.id}/messages`);
    expect(call).toHaveLength(1);
    expect(call[0]?.hasBearer).toBe(true);
    // Nothing went to the Instagram account's node (graph.instagram.com's route).
    expect(sim.requests().some((r) => r.path === `/v25.0/${ONE_PAGE.igAccountId}/messages`)).toBe(false);
    const status = JSON.parse((await getMessage(get, messageId, s.tenant)).body ?? "{}");
    expect(status).toMatchObject({ status: "sent", mid: sent[0]?.messageId });
  });

  // Role removal last: the simulator keeps the role removed, so later Page tokens of that Page would fail at once.
  it.each([
    ["password_change", 460],
    ["app_removal", 458],
    ["role_removal", 492],
  ] as const)(
    "a Page token invalidated mid-backlog (%s, 190/%i): needs_reauth, every message accounted for",
    async (reason, _subcode) => {
      const s = await scenario();
      const accepted = await acceptAll(s, ["first", "second", "third"]);
      const before = sim.requests().length;
      await drain(3, () => {
        const invalidated = sim.facebook.invalidate({
          reason,
          userId: FB_USERS.onePage.id,
          pageId: ONE_PAGE.id,
        });
        expect(invalidated).toBeGreaterThan(0);
      });
      // Meta refused the second send (190 with this subcode); the third never reached Meta.
      const sends = sim
        .requests()
        .slice(before)
        .filter((r) => r.path === `/v25.0/${ONE_PAGE.id}/messages`);
      expect(sends.map((r) => r.status)).toEqual([200, 400]);

      const statuses = await Promise.all(
        accepted.map(async (id) => JSON.parse((await getMessage(get, id, s.tenant)).body ?? "{}")),
      );
      expect(statuses.map((m) => m.status)).toEqual(["sent", "failed", "failed"]);
      expect(statuses.slice(1).map((m) => m.failureReason)).toEqual(["reauth_required", "reauth_required"]);
      // Sent once, the others never reached the customer (no double send, none silently dropped).
      expect(sim.sentMessages(ONE_PAGE.igAccountId).filter((m) => m.recipientId === s.igsid)).toHaveLength(1);

      const item = await readItem(tableName, Keys.integration(s.tenant.imoId, s.tenant.userId));
      expect(item).toMatchObject({
        status: "needs_reauth",
        loginFlavour: "facebook",
        page: { id: ONE_PAGE.id },
      });
      expect(item?.token).toBeUndefined();
      const shown = await integrationGet(
        httpEvent({ method: "GET", route: "/instagram/integration", claims: claimsOf(s.tenant) }),
        lambdaContext(),
      );
      expect(JSON.parse(shown.body ?? "{}")).toMatchObject({
        status: "needs_reauth",
        loginFlavour: "facebook",
      });
      // A new message for a needs_reauth integration is refused at the door, never queued.
      const refused = await postMessage(
        accept,
        { recipientId: s.igsid, text: "fourth" },
        { tenant: s.tenant },
      );
      expect(refused.statusCode).toBe(409);
    },
  );
});
