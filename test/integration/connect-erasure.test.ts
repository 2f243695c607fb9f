import { randomUUID } from "node:crypto";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebhookPayloads as P } from "../../dev/meta-simulator/index";
import type { SignedRequestUserId } from "../../dev/meta-simulator/model";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { dynamoOutboundStore } from "../../lambdas/adapters/dynamo/outbound-messages";
import { type CallbackHandler, type CallbackServer, serveCallbacks } from "../support/callback-server";
import {
  ACCOUNTS,
  type ConnectHarness,
  expectConnected,
  startConnectHarness,
} from "../support/connect-harness";
import { httpEvent, lambdaContext } from "../support/http-event";
import { putIntegration } from "../support/integrations";
import { scanTable, tableSnapshot } from "../support/table-scan";

/**
 * Deauthorize and data deletion find the person by any id Meta may send, and a data deletion (a queued job) leaves
 * no item holding the person's ids or their messages' text, across organisations and replaced integrations.
 * Meta is the simulator, which posts the signed_requests and the webhooks to a small HTTP front on the handlers.
 */

let h: ConnectHarness;
let server: CallbackServer;
let base: string;
let n = 0;
const org = () => `org-erase-${++n}`;
const KINDS: SignedRequestUserId[] = ["app_scoped", "ig_account", "token_exchange"];

beforeAll(async () => {
  h = await startConnectHarness();
  const webhook = (await import("../../lambdas/handlers/webhook-receive"))
    .handler as unknown as CallbackHandler;
  server = await serveCallbacks({
    "/instagram/webhook": webhook,
    "/instagram/deauthorize": h.handlers.deauthorize,
    "/instagram/data-deletion": h.handlers.dataDeletion,
  });
  base = server.base;
  h.sim.setWebhookUrl(`${base}/instagram/webhook`);
});

afterAll(async () => {
  await server.close();
  await h.stop();
});

const status = async (code: string) => {
  const response = await h.handlers.dataDeletionStatus(
    httpEvent({ method: "GET", route: "/instagram/data-deletion/{code}", pathParameters: { code } }),
    lambdaContext(),
  );
  return JSON.parse(response.body ?? "{}") as Record<string, unknown>;
};

describe("deauthorize finds the person by each id Meta may send", () => {
  it.each(KINDS)("user_id = %s: the integration is revoked and its token erased", async (kind) => {
    const alice = { userId: "alice", imoId: org() };
    expectConnected(await h.connect(alice, ACCOUNTS.riviera.username));

    const answer = await h.sim.deauthorize({
      url: `${base}/instagram/deauthorize`,
      igAccountId: ACCOUNTS.riviera.igId,
      userId: kind,
    });

    expect(answer.status).toBe(200);
    const stored = await h.storedIntegration(alice);
    expect(stored?.status).toBe("revoked");
    expect(stored?.token).toBeUndefined();
  });

  it("an integration stored before the ids were linked still matches by the app-scoped id", async () => {
    const legacy = { userId: "legacy", imoId: org() };
    await putIntegration(h.tableName, {
      ...legacy,
      igAccountId: ACCOUNTS.second.igId,
      appScopedUserId: ACCOUNTS.second.appScopedId,
      username: ACCOUNTS.second.username,
      accountType: "BUSINESS",
      status: "connected",
      connectedAt: Date.now(),
      updatedAt: Date.now(),
      version: 1,
    });
    const answer = await h.sim.deauthorize({
      url: `${base}/instagram/deauthorize`,
      igAccountId: ACCOUNTS.second.igId,
      userId: "app_scoped",
    });
    expect(answer.status).toBe(200);
    expect((await h.storedIntegration(legacy))?.status).toBe("revoked");
  });
});

describe("data deletion finds the person by each id Meta may send", () => {
  it.each(KINDS)("user_id = %s: the job erases the integration and the conversation", async (kind) => {
    const alice = { userId: "alice", imoId: org() };
    expectConnected(await h.connect(alice, ACCOUNTS.riviera.username));
    const igsid = `34168709251${String(Date.now()).slice(-5)}`;
    await h.sim.sendCustomerMessage({ igAccountId: ACCOUNTS.riviera.igId, igsid, text: `hello ${kind}` });
    // For Instagram Login the token exchange's user_id is the app-scoped id, so two cases in the same second
    // would send byte-identical signed_requests — a replay, answered with the earlier job. Start a new second.
    await new Promise((resolve) => setTimeout(resolve, 1005 - (Date.now() % 1000)));

    const answer = await h.sim.requestDataDeletion({
      url: `${base}/instagram/data-deletion`,
      igAccountId: ACCOUNTS.riviera.igId,
      userId: kind,
    });
    expect(answer.status).toBe(200);
    const code = JSON.parse(answer.body).confirmation_code as string;
    expect(await status(code)).toMatchObject({ status: "pending" });
    expect(await h.rawItem(Keys.conversation(alice.imoId, ACCOUNTS.riviera.igId, igsid))).toBeDefined();

    expect(await h.runErasureJobs()).toBe(1);

    expect(await status(code)).toMatchObject({ status: "completed" });
    expect(await h.storedIntegration(alice)).toBeUndefined();
    expect(await h.rawItem(Keys.conversation(alice.imoId, ACCOUNTS.riviera.igId, igsid))).toBeUndefined();
    expect(JSON.stringify(await scanTable(h.tableName))).not.toContain(`hello ${kind}`);
  });
});

describe("a person who reconnected to another account, in two organisations", () => {
  it("data deletion leaves no item holding their ids or their messages' text (TTL-only items included)", async () => {
    const person = ACCOUNTS.creator;
    const alice = { userId: "alice", imoId: org() };
    const bob = { userId: "bob", imoId: org() };
    expectConnected(await h.connect(alice, person.username));
    expectConnected(await h.connect(bob, person.username));
    const igsid = "3416870925199991";
    const { mid } = await h.sim.sendCustomerMessage({
      igAccountId: person.igId,
      igsid,
      text: "my secret order #123",
    });
    // An edit waiting for a message that never came (a pending item with a 30-day TTL, holding text).
    await h.sim.deliver(
      P.messageEdit({
        igAccountId: person.igId,
        igsid,
        timestamp: Date.now(),
        mid: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjk5OTk5",
        text: "my secret address",
      }),
    );
    // A button tap (stored under the tap's own id, not the template's mid), for each organisation.
    await h.sim.deliver(
      P.postback({
        igAccountId: person.igId,
        igsid,
        timestamp: Date.now(),
        mid: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjg4ODg4",
        title: "my secret tap",
        payload: "SECRET_TAP_PAYLOAD",
      }),
    );
    // A reply sent through the API with an Idempotency-Key (its record has a 24 h TTL), and the send limiter.
    const outbound = dynamoOutboundStore({ db: h.db, tableName: h.tableName });
    await outbound.create(
      {
        imoId: alice.imoId,
        userId: alice.userId,
        igAccountId: person.igId,
        igsid,
        messageId: randomUUID(),
        status: "sent",
        content: { text: "your secret order ships today" },
        acceptedAt: Date.now(),
        attempts: 1,
        mid: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjg4ODg4",
      },
      { key: "reply-1", requestHash: "hash" },
    );
    await h.db.send(
      new PutCommand({
        TableName: h.tableName,
        Item: { ...Keys.sentMid(alice.imoId, "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjg4ODg4"), messageId: "x" },
      }),
    );
    await h.db.send(
      new PutCommand({
        TableName: h.tableName,
        Item: { ...Keys.sendLimiter(person.igId), sends: [Date.now()] },
      }),
    );
    // Alice reconnects to another account: her integration of the person's account is replaced.
    expectConnected(await h.connect(alice, ACCOUNTS.second.username));
    expect((await h.storedIntegration(alice))?.igAccountId).toBe(ACCOUNTS.second.igId);
    const before = JSON.stringify(await scanTable(h.tableName));
    expect(before).toContain("my secret order #123");
    expect(before).toContain("my secret address");
    expect(before).toContain("SECRET_TAP_PAYLOAD");

    const answer = await h.sim.requestDataDeletion({
      url: `${base}/instagram/data-deletion`,
      igAccountId: person.igId,
      userId: "app_scoped",
    });
    expect(answer.status).toBe(200);
    await h.runErasureJobs();

    const after = await scanTable(h.tableName);
    const text = JSON.stringify(after);
    for (const secret of [person.igId, person.appScopedId, "my secret", "your secret", "SECRET_TAP", mid]) {
      expect(text, secret).not.toContain(secret);
    }
    // What is not the person's stays: Alice's integration of the other account.
    expect((await h.storedIntegration(alice))?.igAccountId).toBe(ACCOUNTS.second.igId);
    const code = JSON.parse(answer.body).confirmation_code as string;
    expect(await status(code)).toMatchObject({
      status: "completed",
      erased: { integrations: 1, conversations: 2, messages: 5 },
    });
  });
});

describe("signed_request replay and staleness", () => {
  it("a stale signed_request is refused (400) and writes nothing", async () => {
    const stale = h.signedNow({
      user_id: ACCOUNTS.riviera.appScopedId,
      issued_at: Math.floor(Date.now() / 1000) - 2 * 3600,
      expires: Math.floor(Date.now() / 1000) - 3600,
    });
    const before = await tableSnapshot(h.tableName);
    for (const kind of ["deauthorize", "dataDeletion"] as const) {
      const response = await h.signedRequest(kind, stale);
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body ?? "{}").code).toBe("signed_request.stale");
    }
    expect(await tableSnapshot(h.tableName)).toBe(before);
    expect(await h.runErasureJobs()).toBe(0);
  });

  it("a replayed data deletion answers the same code and queues no second job, before and after it ran", async () => {
    const value = h.signedNow({
      user_id: "123456789012",
      expires: Math.floor(Date.now() / 1000) + 3600,
    });
    const first = await h.signedRequest("dataDeletion", value);
    const replay = await h.signedRequest("dataDeletion", value);
    expect(replay.body).toBe(first.body);
    expect(await h.runErasureJobs()).toBe(1);
    const late = await h.signedRequest("dataDeletion", value);
    expect(late.body).toBe(first.body);
    expect(await h.runErasureJobs()).toBe(0);
    expect(await status(JSON.parse(first.body ?? "{}").confirmation_code)).toMatchObject({
      status: "completed",
    });
  });
});
