import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { authorizeEvent, createLocalIssuer, type LocalIssuer } from "../../dev/local-auth/index";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { ConversationsPage, MessagesPage } from "../../lambdas/contract/api/index";
import { Env } from "../../lambdas/contract/env";
import { type HandlerName, Routes } from "../../lambdas/contract/routes";
import { AppError } from "../../lambdas/domain/errors";
import { problemFromError } from "../../lambdas/http/responses";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { testIntegrationItem } from "../support/integrations";
import { freshQueues, freshTable } from "../support/local-aws";

/**
 * Every app route, every verb, with two users of one organisation and a second organisation that has the
 * same user id and the same Instagram account: nobody reads, changes or learns of anyone else's data.
 */
type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;
type Tenant = { imoId: string; userId: string };

const ACCOUNT = "17841400000000900";
const IGSID = "5550000000000000001";
const CONVERSATION = `${ACCOUNT}_${IGSID}`;
const OWNER: Tenant = { imoId: "org-iso-a", userId: "u1" };
const COLLEAGUE: Tenant = { imoId: "org-iso-a", userId: "u2" };
const OTHER_ORG: Tenant = { imoId: "org-iso-b", userId: "u1" };

const db = documentClient();
let tableName: string;
let auth: LocalIssuer;
const handlers = {} as Record<HandlerName, Handler>;

interface Call {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

async function call(
  name: HandlerName,
  tenant: Tenant | undefined,
  input: {
    path?: string;
    pathParameters?: Record<string, string>;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<Call> {
  const route = Routes.find((r) => r.handler === name);
  if (!route) throw new Error(name);
  const token = tenant && (await auth.issueDevToken({ sub: tenant.userId, imo_id: tenant.imoId }));
  const event = httpEvent({
    method: route.method,
    route: route.path,
    ...(input.path ? { path: input.path } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(input.body === undefined ? {} : { "content-type": "application/json" }),
      ...input.headers,
    },
    ...(input.body === undefined ? {} : { body: JSON.stringify(input.body) }),
  });
  let result: HttpResult;
  try {
    const authorized = await authorizeEvent(event, {
      issuer: auth.issuer,
      audience: auth.audience,
      jwks: auth.jwks,
    });
    result = await handlers[name](authorized, lambdaContext());
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    result = problemFromError(error);
  }
  return { status: result.statusCode, body: result.body ? JSON.parse(String(result.body)) : undefined };
}

function integration(tenant: Tenant) {
  return testIntegrationItem({
    ...tenant,
    igAccountId: ACCOUNT,
    appScopedUserId: `26${tenant.imoId.length}000000000900`,
    username: `shop_${tenant.imoId}`,
    connectedAt: Date.now(),
    updatedAt: Date.now(),
  });
}

function conversation(imoId: string) {
  const at = Date.now() - 60_000;
  return {
    ...Keys.conversation(imoId, ACCOUNT, IGSID),
    ...Keys.inbox(imoId, ACCOUNT),
    gsi1sk: `${new Date(at).toISOString()}#${IGSID}`,
    entity: "conversation",
    imoId,
    igAccountId: ACCOUNT,
    igsid: IGSID,
    lastActivityAt: at,
    lastMessagePreview: `only for ${imoId}`,
    lastMessageDirection: "inbound",
    unreadCount: 1,
    lastCustomerMessageAt: at,
  };
}

beforeAll(async () => {
  tableName = await freshTable();
  const queues = await freshQueues();
  setHandlerEnv({
    tableName,
    [Env.outboundQueueUrl]: queues.queueUrl,
    [Env.outboundDlqUrl]: queues.dlqUrl,
    [Env.returnToOrigins]: "https://app.example.test",
  });
  auth = await createLocalIssuer();
  // The owner and the other organisation (same user id, same account) are connected; the colleague is not.
  for (const item of [
    integration(OWNER),
    integration(OTHER_ORG),
    conversation(OWNER.imoId),
    conversation(OTHER_ORG.imoId),
  ]) {
    await db.send(new PutCommand({ TableName: tableName, Item: item }));
  }
  for (const route of Routes.filter((r) => r.auth === "jwt")) {
    handlers[route.handler] = (await import(`../../lambdas/handlers/${route.handler}.ts`)).handler as Handler;
  }
});

describe("isolation on every app route", () => {
  it("every app route refuses a request without a token (401), before touching data", async () => {
    for (const route of Routes.filter((r) => r.auth === "jwt")) {
      const result = await call(route.handler, undefined, {
        pathParameters: { conversationId: CONVERSATION, messageId: "m1" },
      });
      expect(result.status, route.handler).toBe(401);
      expect(result.body?.code).toBe("auth.unauthorized");
    }
  });

  it("GET /instagram/integration shows only the caller's own integration", async () => {
    expect((await call("integration-get", OWNER)).body).toMatchObject({
      status: "connected",
      username: "shop_org-iso-a",
    });
    expect((await call("integration-get", COLLEAGUE)).body).toEqual({ status: "none" });
    expect((await call("integration-get", OTHER_ORG)).body).toMatchObject({ username: "shop_org-iso-b" });
  });

  it("DELETE /instagram/integration by a colleague leaves the owner's integration untouched", async () => {
    expect((await call("integration-delete", COLLEAGUE)).status).toBe(204);
    expect((await call("integration-get", OWNER)).body).toMatchObject({ status: "connected" });
    expect((await call("integration-get", OTHER_ORG)).body).toMatchObject({ status: "connected" });
  });

  it("POST /instagram/oauth/init binds the state to the token's tenant; the body cannot name another", async () => {
    const spoofed = await call("oauth-init", COLLEAGUE, {
      body: { userId: OWNER.userId, imoId: OWNER.imoId },
    });
    expect(spoofed.status).toBe(400);
    const started = await call("oauth-init", COLLEAGUE, { body: { returnTo: "https://app.example.test/x" } });
    expect(started.status).toBe(200);
    const state = new URL(String(started.body?.authorizationUrl)).searchParams.get("state");
    const stored = await db.send(
      new GetCommand({ TableName: tableName, Key: Keys.oauthState(String(state)) }),
    );
    expect(stored.Item).toMatchObject({ userId: COLLEAGUE.userId, imoId: COLLEAGUE.imoId });
  });

  it("conversations: each organisation sees its own thread; the colleague sees none", async () => {
    const previews = async (tenant: Tenant) =>
      ConversationsPage.parse((await call("conversations-list", tenant)).body).items.map(
        (c) => c.lastMessagePreview,
      );
    expect(await previews(OWNER)).toEqual([`only for ${OWNER.imoId}`]);
    expect(await previews(OTHER_ORG)).toEqual([`only for ${OTHER_ORG.imoId}`]);
    expect(await previews(COLLEAGUE)).toEqual([]);
    const messages = (tenant: Tenant) =>
      call("conversation-messages", tenant, {
        path: `/instagram/conversations/${CONVERSATION}/messages`,
        pathParameters: { conversationId: CONVERSATION },
      });
    expect((await messages(OWNER)).status).toBe(200);
    expect((await messages(COLLEAGUE)).status).toBe(404);
  });

  it("messages: only the sender reads a message's status; a colleague cannot send into the owner's thread", async () => {
    const sent = await call("message-send", OWNER, {
      body: { conversationId: CONVERSATION, text: "Hello!" },
    });
    expect(sent.status).toBe(202);
    const messageId = String(sent.body?.messageId);
    const status = (tenant: Tenant) =>
      call("message-get", tenant, {
        path: `/instagram/messages/${messageId}`,
        pathParameters: { messageId },
      });
    expect((await status(OWNER)).status).toBe(200);
    const colleague = await status(COLLEAGUE);
    const otherOrg = await status(OTHER_ORG);
    const absent = await call("message-get", OWNER, {
      path: "/instagram/messages/does-not-exist",
      pathParameters: { messageId: "does-not-exist" },
    });
    expect([colleague.status, otherOrg.status, absent.status]).toEqual([404, 404, 404]);
    expect(colleague.body).toEqual(absent.body);
    expect(otherOrg.body).toEqual(absent.body);

    // The colleague has no integration: refused before the owner's conversation is even considered.
    const intrude = await call("message-send", COLLEAGUE, {
      body: { conversationId: CONVERSATION, text: "hi" },
    });
    expect(intrude.status).toBe(409);
    expect(intrude.body?.code).toBe("integration.not_connected");
    // The other organisation has the same account and the same customer: it sends into its own thread only.
    const theirs = await call("message-send", OTHER_ORG, {
      body: { conversationId: CONVERSATION, text: "Hi from B" },
    });
    expect(theirs.status).toBe(202);
    const ownerThread = await call("conversation-messages", OWNER, {
      path: `/instagram/conversations/${CONVERSATION}/messages`,
      pathParameters: { conversationId: CONVERSATION },
    });
    const texts = MessagesPage.parse(ownerThread.body).items.map((m) => m.text);
    expect(texts).toContain("Hello!");
    expect(texts).not.toContain("Hi from B");
  });
});
