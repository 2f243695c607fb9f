import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MetaSimulator, startMetaSimulator } from "../../dev/meta-simulator/index";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { Problem } from "../../lambdas/contract/api/index";
import { Paths } from "../../lambdas/contract/routes";
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
 * Reactions on customer messages (docs/outbound.md, "Reactions"): `react` / `unreact` sender actions with
 * Meta's mid, inside the window only, on the caller's own customer messages only; shown on the message.
 */
let sim: MetaSimulator;
let tableName: string;
let react: HttpHandler;
let unreact: HttpHandler;
let n = 0;

type Tenant = { imoId: string; userId: string };

function call(
  handler: HttpHandler,
  method: "POST" | "DELETE",
  messageId: string,
  tenant: Tenant,
  body?: unknown,
) {
  return handler(
    httpEvent({
      method,
      route: Paths.messageReaction,
      path: Paths.messageReaction.replace("{messageId}", messageId),
      pathParameters: { messageId },
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      claims: claimsOf(tenant),
    }),
    lambdaContext(),
  );
}

/** A tenant with a connected integration and one customer message (known to the simulator), `ageMs` old. */
async function scenario(ageMs = 60_000) {
  n += 1;
  const tenant = { imoId: `imo-re${n}`, userId: `user-re${n}` };
  const igsid = String(3_416_870_900_003_000 + n);
  await seedIntegration(tableName, { token: sim.issueToken(), tenant });
  const { mid } = await sim.sendCustomerMessage({ igsid, text: "Love the sand one" });
  const at = Date.now() - ageMs;
  await seedConversation(tableName, at, { imoId: tenant.imoId, igsid });
  await documentClient().send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...Keys.message(tenant.imoId, mid),
        ...Keys.conversationMessages(tenant.imoId, ACCOUNT, igsid),
        gsi1sk: `${new Date(at).toISOString()}#${mid}`,
        entity: "message",
        imoId: tenant.imoId,
        igAccountId: ACCOUNT,
        igsid,
        messageId: mid,
        mid,
        direction: "inbound",
        source: "customer",
        sentAt: at,
        text: "Love the sand one",
      },
    }),
  );
  return { tenant, igsid, mid };
}

const actionsFor = (igsid: string) => sim.senderActions().filter((a) => a.recipientId === igsid);

beforeAll(async () => {
  sim = await startMetaSimulator({ appId: FAKE.appId, appSecret: FAKE.igAppSecret });
  tableName = await freshTable();
  setHandlerEnv({ tableName, INSTAGRAM_GRAPH_URL: sim.url });
  react = (await import("../../lambdas/handlers/message-react")).handler as HttpHandler;
  unreact = (await import("../../lambdas/handlers/message-unreact")).handler as HttpHandler;
});

afterAll(async () => {
  await sim.stop();
});

beforeEach(() => sim.clearFaults());

describe("reactions on customer messages", () => {
  it("love reaches Meta as `react` with Meta's mid, shows on the message; DELETE is `unreact` and removes it", async () => {
    const s = await scenario();
    const reacted = await call(react, "POST", s.mid, s.tenant, { reaction: "love" });
    expect(reacted.statusCode, reacted.body).toBe(200);
    expect(JSON.parse(String(reacted.body))).toMatchObject({
      messageId: s.mid,
      reactions: [{ by: ACCOUNT, reaction: "love" }],
    });
    expect(actionsFor(s.igsid)).toMatchObject([{ action: "react", messageId: s.mid, reaction: "love" }]);
    const request = sim
      .requests()
      .filter((r) => (r.json as { sender_action?: string })?.sender_action === "react");
    expect(request.at(-1)?.json).toEqual({
      recipient: { id: s.igsid },
      sender_action: "react",
      payload: { message_id: s.mid, reaction: "love" },
    });
    expect((await readItem(tableName, Keys.message(s.tenant.imoId, s.mid)))?.reactions).toMatchObject({
      [ACCOUNT]: { reaction: "love" },
    });
    // A sender action, not a message: nothing sent, nothing counted against the cap.
    expect(sim.sentMessages().filter((m) => m.recipientId === s.igsid)).toEqual([]);
    expect(await readItem(tableName, Keys.sendLimiter(ACCOUNT))).toBeUndefined();

    const removed = await call(unreact, "DELETE", s.mid, s.tenant);
    expect(removed.statusCode).toBe(200);
    expect(JSON.parse(String(removed.body)).reactions).toBeUndefined();
    expect(actionsFor(s.igsid).map((a) => a.action)).toEqual(["react", "unreact"]);
  });

  it("outside the reply window: 409 send.window_closed, Meta not called, nothing stored", async () => {
    const s = await scenario(25 * 3600 * 1000);
    const result = await call(react, "POST", s.mid, s.tenant, { reaction: "love" });
    expect(result.statusCode).toBe(409);
    expect(Problem.parse(JSON.parse(String(result.body))).code).toBe("send.window_closed");
    expect(actionsFor(s.igsid)).toEqual([]);
    expect((await readItem(tableName, Keys.message(s.tenant.imoId, s.mid)))?.reactions).toBeUndefined();
  });

  it("another tenant cannot react on someone else's message (404, Meta not called, nothing stored)", async () => {
    const s = await scenario();
    const other = await scenario();
    for (const tenant of [other.tenant, { imoId: "imo-nobody", userId: "nobody" }]) {
      expect((await call(react, "POST", s.mid, tenant, { reaction: "love" })).statusCode).toBe(404);
      expect((await call(unreact, "DELETE", s.mid, tenant)).statusCode).toBe(404);
    }
    // Same organisation, a user without this account's integration: still not theirs.
    const colleague = { imoId: s.tenant.imoId, userId: "colleague-without-integration" };
    expect((await call(react, "POST", s.mid, colleague, { reaction: "love" })).statusCode).toBe(404);
    expect(actionsFor(s.igsid)).toEqual([]);
    expect((await readItem(tableName, Keys.message(s.tenant.imoId, s.mid)))?.reactions).toBeUndefined();
  });

  it("only customer messages, only `love`: bad input is 400/404 and changes nothing", async () => {
    const s = await scenario();
    for (const body of [{}, { reaction: "like" }, { reaction: "❤️" }, { reaction: "love", extra: 1 }]) {
      expect((await call(react, "POST", s.mid, s.tenant, body)).statusCode).toBe(400);
    }
    expect((await call(react, "POST", "no such id", s.tenant, { reaction: "love" })).statusCode).toBe(400);
    expect((await call(react, "POST", "mid-not-stored", s.tenant, { reaction: "love" })).statusCode).toBe(
      404,
    );
    // Our own outbound message is not a customer message.
    await documentClient().send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...Keys.message(s.tenant.imoId, "our-reply-1"),
          entity: "message",
          imoId: s.tenant.imoId,
          igAccountId: ACCOUNT,
          igsid: s.igsid,
          messageId: "our-reply-1",
          direction: "outbound",
          source: "api",
          sentAt: Date.now(),
          text: "hi",
          status: "sent",
        },
      }),
    );
    expect((await call(react, "POST", "our-reply-1", s.tenant, { reaction: "love" })).statusCode).toBe(404);
    expect(actionsFor(s.igsid)).toEqual([]);
  });
});
