import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MetaSimulator, startMetaSimulator } from "../../dev/meta-simulator/index";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { Problem } from "../../lambdas/contract/api/index";
import { Paths } from "../../lambdas/contract/routes";
import { conversationId } from "../../lambdas/domain/conversation";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { freshTable } from "../support/local-aws";
import {
  ACCOUNT,
  claimsOf,
  type HttpHandler,
  readItem,
  seedConversation,
  seedIntegration,
} from "../support/outbound-harness";

/**
 * Typing indicators and Meta's read mark against DynamoDB Local and the Meta simulator: inside the window
 * they reach Meta as sender actions (never as messages); outside it typing is 409 without calling Meta; a
 * Meta failure never fails a read; nobody but the owner reaches Meta through someone else's thread.
 */
let sim: MetaSimulator;
let tableName: string;
let typing: HttpHandler;
let read: HttpHandler;
let n = 0;

function post(
  handler: HttpHandler,
  route: string,
  id: string,
  tenant: { imoId: string; userId: string },
  body?: unknown,
) {
  return handler(
    httpEvent({
      method: "POST",
      route,
      path: route.replace("{conversationId}", id),
      pathParameters: { conversationId: id },
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      claims: claimsOf(tenant),
    }),
    lambdaContext(),
  );
}

/** A fresh tenant with a connected integration (a real simulator token) and one conversation. */
async function scenario(lastCustomerMessageAt = Date.now() - 60_000) {
  n += 1;
  const tenant = { imoId: `imo-sa${n}`, userId: `user-sa${n}` };
  const igsid = String(3_416_870_900_002_000 + n);
  await seedIntegration(tableName, { token: sim.issueToken(), tenant });
  if (Date.now() - lastCustomerMessageAt < 24 * 3600 * 1000) {
    sim.openWindow({ igsid, at: lastCustomerMessageAt });
  }
  await seedConversation(tableName, lastCustomerMessageAt, { imoId: tenant.imoId, igsid });
  return { tenant, igsid, id: conversationId(ACCOUNT, igsid) };
}

const actionsFor = (igsid: string) =>
  sim
    .senderActions()
    .filter((a) => a.recipientId === igsid)
    .map((a) => a.action);

beforeAll(async () => {
  sim = await startMetaSimulator({ appId: FAKE.appId, appSecret: FAKE.igAppSecret });
  tableName = await freshTable();
  setHandlerEnv({ tableName, INSTAGRAM_GRAPH_URL: sim.url });
  typing = (await import("../../lambdas/handlers/conversation-typing")).handler as HttpHandler;
  read = (await import("../../lambdas/handlers/conversation-read")).handler as HttpHandler;
});

afterAll(async () => {
  await sim.stop();
});

beforeEach(() => sim.clearFaults());

describe("typing indicator", () => {
  it("on and off reach Meta as sender actions, never as messages", async () => {
    const s = await scenario();
    expect((await post(typing, Paths.conversationTyping, s.id, s.tenant, { on: true })).statusCode).toBe(204);
    expect((await post(typing, Paths.conversationTyping, s.id, s.tenant, { on: false })).statusCode).toBe(
      204,
    );
    expect(actionsFor(s.igsid)).toEqual(["typing_on", "typing_off"]);
    expect(sim.sentMessages().filter((m) => m.recipientId === s.igsid)).toEqual([]);
  });

  it("outside the 24-hour window: 409 send.window_closed, Meta not called", async () => {
    const s = await scenario(Date.now() - 25 * 3600 * 1000);
    const result = await post(typing, Paths.conversationTyping, s.id, s.tenant, { on: true });
    expect(result.statusCode).toBe(409);
    expect(Problem.parse(JSON.parse(String(result.body))).code).toBe("send.window_closed");
    expect(actionsFor(s.igsid)).toEqual([]);
  });

  it("Meta refusing or failing is a clear app error", async () => {
    const s = await scenario();
    sim.injectFault({ kind: "window_closed", target: "send" });
    const closed = await post(typing, Paths.conversationTyping, s.id, s.tenant, { on: true });
    expect(closed.statusCode).toBe(409);
    sim.injectFault({ kind: "server_error", target: "send" });
    const failed = await post(typing, Paths.conversationTyping, s.id, s.tenant, { on: true });
    expect(failed.statusCode).toBe(503);
    expect(Problem.parse(JSON.parse(String(failed.body))).code).toBe("dependency.unavailable");
  });

  it("another tenant cannot type in the owner's thread; bad bodies are 400/415; all without calling Meta", async () => {
    const s = await scenario();
    const other = await scenario();
    // `other` has its own integration of the same account: the owner's thread is still not theirs.
    const byOther = await post(typing, Paths.conversationTyping, s.id, other.tenant, { on: true });
    expect(byOther.statusCode).toBe(404);
    const stranger = { imoId: "imo-nobody", userId: "nobody" };
    expect((await post(typing, Paths.conversationTyping, s.id, stranger, { on: true })).statusCode).toBe(404);
    for (const body of [{}, { on: "yes" }, { on: 1 }]) {
      expect((await post(typing, Paths.conversationTyping, s.id, s.tenant, body)).statusCode).toBe(400);
    }
    expect((await post(typing, Paths.conversationTyping, "nope", s.tenant, { on: true })).statusCode).toBe(
      400,
    );
    const noType = await typing(
      httpEvent({
        method: "POST",
        route: Paths.conversationTyping,
        pathParameters: { conversationId: s.id },
        headers: { "content-type": "text/plain" },
        body: "on",
        claims: claimsOf(s.tenant),
      }),
      lambdaContext(),
    );
    expect(noType.statusCode).toBe(415);
    expect(actionsFor(s.igsid)).toEqual([]);
  });
});

describe("mark_seen on read", () => {
  it("a read inside the window tells Meta mark_seen; outside it does not", async () => {
    const open = await scenario();
    const result = await post(read, Paths.conversationRead, open.id, open.tenant);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(String(result.body))).toMatchObject({ unreadCount: 0 });
    expect(actionsFor(open.igsid)).toEqual(["mark_seen"]);
    expect(sim.sentMessages().filter((m) => m.recipientId === open.igsid)).toEqual([]);

    const closed = await scenario(Date.now() - 25 * 3600 * 1000);
    expect((await post(read, Paths.conversationRead, closed.id, closed.tenant)).statusCode).toBe(200);
    expect(actionsFor(closed.igsid)).toEqual([]);
  });

  it("a Meta failure never fails the read", async () => {
    const s = await scenario();
    sim.injectFault({ kind: "server_error", target: "send" });
    const result = await post(read, Paths.conversationRead, s.id, s.tenant);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(String(result.body))).toMatchObject({ unreadCount: 0 });
    const stored = await readItem(tableName, Keys.conversation(s.tenant.imoId, ACCOUNT, s.igsid));
    expect(stored?.unreadCount).toBe(0);
  });
});
