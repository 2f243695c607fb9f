import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { authorizeEvent, createLocalIssuer, type LocalIssuer } from "../../dev/local-auth/index";
import { metaJson, signMetaBody } from "../../dev/meta-simulator/signing";
import { customerText, echo, type WebhookPayload } from "../../dev/meta-simulator/webhook-payloads";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { ConversationSummary, ConversationsPage, Problem } from "../../lambdas/contract/api/index";
import { Paths } from "../../lambdas/contract/routes";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { putIntegration } from "../support/integrations";
import { freshTable } from "../support/local-aws";

/**
 * POST /instagram/conversations/{id}/read against the real webhook handler (deliveries signed as Meta signs
 * them) and DynamoDB Local: the count drops to 0, later messages count again, stale and repeated requests
 * never raise it, and nobody but the owner can touch it.
 */
type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const ACCOUNT = "17841400000000888";
const OTHER_ACCOUNT = "17841400000000999";
const IGSID = "1234567890123456788";
const owner = { imoId: "org-read", userId: "agent-1" };
const colleague = { imoId: "org-read", userId: "agent-2" };
const otherOrg = { imoId: "org-other", userId: "agent-1" };
const db = documentClient();
let tableName: string;
let webhook: Handler;
let list: Handler;
let readRoute: Handler;
let auth: LocalIssuer;
const conversationId = `${ACCOUNT}_${IGSID}`;

async function deliver(payload: WebhookPayload): Promise<void> {
  const body = metaJson(payload);
  const result = await webhook(
    httpEvent({
      method: "POST",
      route: Paths.webhook,
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": signMetaBody(body, FAKE.igAppSecret),
      },
      body,
    }),
    lambdaContext(),
  );
  expect(result.statusCode).toBe(200);
}

async function call(
  handler: Handler,
  input: Parameters<typeof httpEvent>[0],
  caller: { imoId: string; userId: string } = owner,
): Promise<HttpResult> {
  const token = await auth.issueDevToken({ sub: caller.userId, imo_id: caller.imoId });
  const event = await authorizeEvent(
    httpEvent({ ...input, headers: { authorization: `Bearer ${token}`, ...input.headers } }),
    { issuer: auth.issuer, audience: auth.audience, jwks: auth.jwks },
  );
  return handler(event, lambdaContext());
}

function markRead(
  id: string,
  body?: string,
  caller: { imoId: string; userId: string } = owner,
): Promise<HttpResult> {
  return call(
    readRoute,
    {
      method: "POST",
      route: Paths.conversationRead,
      path: Paths.conversationRead.replace("{conversationId}", id),
      pathParameters: { conversationId: id },
      ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } }),
    },
    caller,
  );
}

async function unreadCount(): Promise<number> {
  const result = await call(list, { method: "GET", route: Paths.conversations });
  const page = ConversationsPage.parse(JSON.parse(String(result.body)));
  const found = page.items.find((item) => item.conversationId === conversationId);
  if (found === undefined) throw new Error("conversation not listed");
  return found.unreadCount;
}

async function storedConversation(): Promise<Record<string, unknown> | undefined> {
  const result = await db.send(
    new GetCommand({ TableName: tableName, Key: Keys.conversation(owner.imoId, ACCOUNT, IGSID) }),
  );
  return result.Item;
}

const p = { igAccountId: ACCOUNT, igsid: IGSID };
const t = Date.now() - 60 * 60 * 1000;

beforeAll(async () => {
  tableName = await freshTable();
  // Meta unreachable (nothing listens on the discard port): the best-effort mark_seen fails, reads do not.
  setHandlerEnv({ tableName, INSTAGRAM_GRAPH_URL: "http://127.0.0.1:9" });
  auth = await createLocalIssuer();
  const integration = {
    igAccountId: ACCOUNT,
    appScopedUserId: "26000000000000888",
    username: "read_shop",
    connectedAt: Date.now(),
    updatedAt: Date.now(),
  };
  await putIntegration(tableName, { ...owner, ...integration });
  // Another organisation connected the same account: its own copy of the thread, its own read state.
  await putIntegration(tableName, { ...otherOrg, ...integration });
  // A colleague in the owner's organisation with a different account.
  await putIntegration(tableName, {
    ...colleague,
    ...integration,
    igAccountId: OTHER_ACCOUNT,
    appScopedUserId: "26000000000000999",
  });
  webhook = (await import("../../lambdas/handlers/webhook-receive")).handler as Handler;
  list = (await import("../../lambdas/handlers/conversations-list")).handler as Handler;
  readRoute = (await import("../../lambdas/handlers/conversation-read")).handler as Handler;
});

describe("marking a conversation read", () => {
  it("resets the count; a newer DM raises it again; repeating is harmless; a stale request changes nothing", async () => {
    await deliver(customerText({ ...p, timestamp: t, mid: "mid_r1", text: "hello" }));
    await deliver(customerText({ ...p, timestamp: t + 1000, mid: "mid_r2", text: "anyone?" }));
    expect(await unreadCount()).toBe(2);

    const first = await markRead(conversationId);
    expect(first.statusCode).toBe(200);
    const body = ConversationSummary.parse(JSON.parse(String(first.body)));
    expect(body).toMatchObject({ conversationId, unreadCount: 0, lastMessagePreview: "anyone?" });
    expect(await unreadCount()).toBe(0);

    // Idempotent: again, with an empty JSON object, and with the latest message named.
    expect((await markRead(conversationId)).statusCode).toBe(200);
    expect((await markRead(conversationId, "{}")).statusCode).toBe(200);
    expect((await markRead(conversationId, JSON.stringify({ upToMessageId: "mid_r2" }))).statusCode).toBe(
      200,
    );
    expect(await unreadCount()).toBe(0);

    await deliver(customerText({ ...p, timestamp: t + 2000, mid: "mid_r3", text: "still there?" }));
    expect(await unreadCount()).toBe(1);

    // The person's screen showed mid_r2 only: mid_r3 is not read by this request, and the count is not raised.
    const stale = await markRead(conversationId, JSON.stringify({ upToMessageId: "mid_r2" }));
    expect(stale.statusCode).toBe(200);
    expect(JSON.parse(String(stale.body))).toMatchObject({ unreadCount: 1 });
    expect(await unreadCount()).toBe(1);

    // Our reply after the customer's latest message: reading up to it reads everything before.
    await deliver(echo({ ...p, timestamp: t + 3000, mid: "mid_r4", text: "yes!" }));
    expect((await markRead(conversationId, JSON.stringify({ upToMessageId: "mid_r4" }))).statusCode).toBe(
      200,
    );
    expect(await unreadCount()).toBe(0);

    // The other organisation's copy of the thread was never touched by the owner's reads.
    const other = await call(list, { method: "GET", route: Paths.conversations }, otherOrg);
    expect(ConversationsPage.parse(JSON.parse(String(other.body))).items[0]?.unreadCount).toBe(3);
  });
});

describe("refusals change nothing", () => {
  it("another organisation's or a colleague's request cannot clear the owner's count; unknown ids are 404", async () => {
    await deliver(customerText({ ...p, timestamp: t + 10_000, mid: "mid_r5", text: "one more" }));
    expect(await unreadCount()).toBe(1);
    const before = await storedConversation();

    // The colleague has no integration for this account: 404, exactly like a conversation that does not exist.
    const byColleague = await markRead(conversationId, undefined, colleague);
    expect(byColleague.statusCode).toBe(404);
    expect(Problem.parse(JSON.parse(String(byColleague.body))).code).toBe("resource.not_found");
    // The other organisation clears its own copy only.
    expect((await markRead(conversationId, undefined, otherOrg)).statusCode).toBe(200);
    // A message id of another conversation or a message that does not exist: 404.
    expect((await markRead(`${ACCOUNT}_999`)).statusCode).toBe(404);
    expect((await markRead(conversationId, JSON.stringify({ upToMessageId: "mid_nope" }))).statusCode).toBe(
      404,
    );
    expect(await storedConversation()).toEqual(before);
    expect(await unreadCount()).toBe(1);
  });

  it("bad input is a problem+json 400 or 415 and changes nothing", async () => {
    const before = await storedConversation();
    const badId = await markRead("not-a-conversation");
    expect(badId.statusCode).toBe(400);
    expect(Problem.parse(JSON.parse(String(badId.body))).code).toBe("request.invalid");
    expect((await markRead(conversationId, "{not json")).statusCode).toBe(400);
    expect((await markRead(conversationId, JSON.stringify({ upToMessageId: "" }))).statusCode).toBe(400);
    const wrongType = await call(readRoute, {
      method: "POST",
      route: Paths.conversationRead,
      pathParameters: { conversationId },
      headers: { "content-type": "text/plain" },
      body: "read",
    });
    expect(wrongType.statusCode).toBe(415);
    expect(await storedConversation()).toEqual(before);
  });

  it("a request without a token is 401 before touching data", async () => {
    const before = await storedConversation();
    const result = await readRoute(
      httpEvent({
        method: "POST",
        route: Paths.conversationRead,
        pathParameters: { conversationId },
      }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(401);
    expect(await storedConversation()).toEqual(before);
  });
});
