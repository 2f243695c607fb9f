import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { authorizeEvent, createLocalIssuer, type LocalIssuer } from "../../dev/local-auth/index";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { ConversationsPage, MessagesPage, Problem } from "../../lambdas/contract/api/index";
import { Paths } from "../../lambdas/contract/routes";
import { HUMAN_AGENT_WINDOW_MS, STANDARD_WINDOW_MS } from "../../lambdas/domain/conversation";
import { AppError } from "../../lambdas/domain/errors";
import type { IntegrationStatus } from "../../lambdas/domain/integration";
import { problemFromError } from "../../lambdas/http/responses";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { testIntegrationItem } from "../support/integrations";
import { freshTable } from "../support/local-aws";

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const db = documentClient();
let tableName: string;
let listHandler: Handler;
let messagesHandler: Handler;
let auth: LocalIssuer;

const T0 = Date.parse("2026-02-01T00:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

// Two organisations; user id "u1" exists in both, and both organisations connected Instagram account A.
const ACCOUNT_A = "17841000000000001";
const ACCOUNT_B = "17841000000000002";
const A1 = { imoId: "org-a", userId: "u1" };
const A2 = { imoId: "org-a", userId: "u2" };
const B1 = { imoId: "org-b", userId: "u1" };
const IGSID_SHARED_FOR_AUTH = "8001";

async function putAll(items: object[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    await db.send(
      new BatchWriteCommand({
        RequestItems: { [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
}

function integration(
  tenant: { imoId: string; userId: string },
  igAccountId: string,
  status: IntegrationStatus = "connected",
) {
  return testIntegrationItem({
    ...tenant,
    igAccountId,
    appScopedUserId: `9${igAccountId}`,
    username: `shop_${igAccountId.slice(-2)}`,
    status,
    connectedAt: T0,
    updatedAt: T0,
  });
}

/** A conversation item in the shape docs/data-model.md documents. */
function conversation(
  imoId: string,
  igAccountId: string,
  igsid: string,
  lastActivityAt: number,
  extra: Record<string, unknown> = {},
) {
  return {
    ...Keys.conversation(imoId, igAccountId, igsid),
    ...Keys.inbox(imoId, igAccountId),
    gsi1sk: `${iso(lastActivityAt)}#${igsid}`,
    entity: "conversation",
    imoId,
    igAccountId,
    igsid,
    lastActivityAt,
    lastMessagePreview: `hello from ${igsid}`,
    lastMessageDirection: "inbound",
    unreadCount: 1,
    lastCustomerMessageAt: lastActivityAt,
    ...extra,
  };
}

/** A message item in the shape docs/data-model.md documents. */
function message(
  imoId: string,
  igAccountId: string,
  igsid: string,
  messageId: string,
  sentAt: number,
  extra: Record<string, unknown> = {},
) {
  return {
    ...Keys.message(imoId, messageId),
    ...Keys.conversationMessages(imoId, igAccountId, igsid),
    gsi1sk: `${iso(sentAt)}#${messageId}`,
    entity: "message",
    imoId,
    igAccountId,
    igsid,
    messageId,
    mid: messageId,
    direction: "inbound",
    source: "customer",
    sentAt,
    text: `text ${messageId}`,
    ...extra,
  };
}

const claimsOf = (tenant: { imoId: string; userId: string }) => ({
  sub: tenant.userId,
  imo_id: tenant.imoId,
});

/** Calls a handler the way local mode does: the JWT authorizer's rules first (dev/local-auth), then the function. */
async function call(
  handler: Handler,
  input: {
    route: string;
    path?: string;
    query?: Record<string, string>;
    pathParameters?: Record<string, string>;
  },
  authorization: string | undefined,
): Promise<{ status: number; body: Record<string, unknown>; contentType: string | undefined }> {
  const event = httpEvent({
    method: "GET",
    ...input,
    headers: authorization === undefined ? {} : { authorization },
  });
  let result: HttpResult;
  try {
    const authorized = await authorizeEvent(event, {
      issuer: auth.issuer,
      audience: auth.audience,
      jwks: auth.jwks,
    });
    result = await handler(authorized, lambdaContext());
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    result = problemFromError(error);
  }
  const contentType = result.headers?.["content-type"] as string | undefined;
  return { status: result.statusCode, body: JSON.parse(String(result.body)), contentType };
}

async function bearer(tenant: { imoId: string; userId: string }): Promise<string> {
  return `Bearer ${await auth.issueDevToken(claimsOf(tenant))}`;
}

function listConversations(tenant: string, query: Record<string, string> = {}) {
  return call(listHandler, { route: Paths.conversations, query }, tenant);
}

function listMessages(tenant: string, conversationId: string, query: Record<string, string> = {}) {
  return call(
    messagesHandler,
    {
      route: Paths.conversationMessages,
      path: `/instagram/conversations/${conversationId}/messages`,
      pathParameters: { conversationId },
      query,
    },
    tenant,
  );
}

function expectProblem(
  response: { status: number; body: Record<string, unknown>; contentType: string | undefined },
  status: number,
  code: string,
) {
  expect(response.status).toBe(status);
  expect(response.contentType).toBe("application/problem+json");
  expect(Problem.parse(response.body).code).toBe(code);
  expect(JSON.stringify(response.body)).not.toMatch(/stack|ORG#|CONV#|MSG#|INBOX#/);
}

beforeAll(async () => {
  tableName = await freshTable();
  setHandlerEnv({ tableName });
  auth = await createLocalIssuer();
  listHandler = (await import("../../lambdas/handlers/conversations-list")).handler as Handler;
  messagesHandler = (await import("../../lambdas/handlers/conversation-messages")).handler as Handler;
});

afterEach(() => {
  vi.useRealTimers();
});

describe("pagination walks every item once, in order", () => {
  it("conversations: most recent activity first, across pages, equal timestamps included", async () => {
    const tenant = { imoId: "org-page", userId: "walker" };
    const account = "17841000000000100";
    // 47 conversations; some share a last-activity time (ties ordered by igsid, still each exactly once).
    const convs = Array.from({ length: 47 }, (_, i) =>
      conversation(tenant.imoId, account, String(5000 + i), T0 + Math.floor(i / 3) * 60_000),
    );
    await putAll([
      integration(tenant, account),
      ...convs,
      // Noise in a neighbouring inbox of the same organisation must never appear.
      conversation(tenant.imoId, "17841000000000101", "1", T0 + 10 ** 9),
    ]);
    const token = await bearer(tenant);

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | undefined;
    do {
      const response = await listConversations(token, { limit: "10", ...(cursor ? { cursor } : {}) });
      expect(response.status).toBe(200);
      const page = ConversationsPage.parse(response.body);
      pageSizes.push(page.items.length);
      seen.push(...page.items.map((c) => c.conversationId));
      cursor = page.nextCursor;
    } while (cursor);

    const expected = [...convs]
      .sort((a, b) => b.gsi1sk.localeCompare(a.gsi1sk))
      .map((c) => `${account}_${c.igsid}`);
    expect(pageSizes).toEqual([10, 10, 10, 10, 7]);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(47);
  });

  it("conversations: a page size that divides the total ends without an empty page; default limit is 20", async () => {
    const tenant = { imoId: "org-exact", userId: "walker" };
    const account = "17841000000000200";
    await putAll([
      integration(tenant, account),
      ...Array.from({ length: 20 }, (_, i) => conversation(tenant.imoId, account, String(100 + i), T0 + i)),
    ]);
    const token = await bearer(tenant);
    const first = ConversationsPage.parse((await listConversations(token, { limit: "10" })).body);
    expect(first.items).toHaveLength(10);
    const second = ConversationsPage.parse(
      (await listConversations(token, { limit: "10", cursor: String(first.nextCursor) })).body,
    );
    expect(second.items).toHaveLength(10);
    expect(second.nextCursor).toBeUndefined();
    const all = ConversationsPage.parse((await listConversations(token)).body);
    expect(all.items).toHaveLength(20);
    expect(all.nextCursor).toBeUndefined();
  });

  it("messages: newest first, one at a time and in pages, each exactly once", async () => {
    const tenant = { imoId: "org-msgs", userId: "walker" };
    const account = "17841000000000300";
    const igsid = "7001";
    const msgs = Array.from({ length: 23 }, (_, i) =>
      message(tenant.imoId, account, igsid, `m_${String(i).padStart(3, "0")}`, T0 + Math.floor(i / 2) * 1000),
    );
    await putAll([
      integration(tenant, account),
      conversation(tenant.imoId, account, igsid, T0 + 20_000),
      ...msgs,
      // Another conversation of the same account must not bleed in.
      message(tenant.imoId, account, "7002", "other_1", T0 + 5_000),
    ]);
    const token = await bearer(tenant);
    const expected = [...msgs].sort((a, b) => b.gsi1sk.localeCompare(a.gsi1sk)).map((m) => m.messageId);

    for (const limit of ["1", "7", "100"]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const response = await listMessages(token, `${account}_${igsid}`, {
          limit,
          ...(cursor ? { cursor } : {}),
        });
        expect(response.status).toBe(200);
        const page = MessagesPage.parse(response.body);
        seen.push(...page.items.map((m) => m.messageId));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor);
      expect(seen, `limit ${limit}`).toEqual(expected);
      expect(pages).toBe(Math.ceil(23 / Number(limit)));
    }
  });
});

describe("the reply window, computed at request time", () => {
  it("is open until exactly 24 h, human_agent_only until exactly 7 days, then closed", async () => {
    const tenant = { imoId: "org-window", userId: "agent" };
    const account = "17841000000000400";
    // Near the wall clock, so the token and the SDK's request signing stay valid under the frozen clock.
    const now = Math.floor(Date.now() / 1000) * 1000;
    const cases = {
      "1": now - 1000, // just now
      "2": now - STANDARD_WINDOW_MS + 1, // 1 ms before 24 h
      "3": now - STANDARD_WINDOW_MS, // exactly 24 h
      "4": now - HUMAN_AGENT_WINDOW_MS + 1, // 1 ms before 7 days
      "5": now - HUMAN_AGENT_WINDOW_MS, // exactly 7 days
    } as const;
    const expected: Record<string, string> = {
      "1": "open",
      "2": "open",
      "3": "human_agent_only",
      "4": "human_agent_only",
      "5": "closed",
    };
    await putAll([
      integration(tenant, account),
      ...Object.entries(cases).map(([igsid, at]) => conversation(tenant.imoId, account, igsid, at)),
      // The customer never wrote (only our outbound message): closed, with no window times.
      conversation(tenant.imoId, account, "6", now - 5000, {
        lastCustomerMessageAt: undefined,
        lastMessageDirection: "outbound",
      }),
    ]);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(now);
    const token = await bearer(tenant); // issued under the frozen clock, so its iat is not in the future
    const page = ConversationsPage.parse((await listConversations(token)).body);
    vi.useRealTimers();

    const byIgsid = Object.fromEntries(page.items.map((c) => [c.participant.igsid, c]));
    for (const [igsid, at] of Object.entries(cases)) {
      expect(byIgsid[igsid]?.window, `igsid ${igsid}`).toEqual({
        state: expected[igsid],
        kind: "standard",
        closesAt: iso(at + STANDARD_WINDOW_MS),
        humanAgentClosesAt: iso(at + HUMAN_AGENT_WINDOW_MS),
      });
    }
    expect(byIgsid["6"]?.window).toEqual({ state: "closed", kind: "standard" });
    expect(byIgsid["6"]?.lastMessageDirection).toBe("outbound");
  });

  it("moves with the clock: the same stored item reads open now and human_agent_only a day later", async () => {
    const tenant = { imoId: "org-window-2", userId: "agent" };
    const account = "17841000000000401";
    const at = Math.floor(Date.now() / 1000) * 1000 - STANDARD_WINDOW_MS;
    await putAll([integration(tenant, account), conversation(tenant.imoId, account, "1", at)]);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(at + STANDARD_WINDOW_MS - 1);
    const token = await bearer(tenant);
    const before = ConversationsPage.parse((await listConversations(token)).body);
    vi.setSystemTime(at + STANDARD_WINDOW_MS);
    const after = ConversationsPage.parse((await listConversations(token)).body);
    expect(before.items[0]?.window.state).toBe("open");
    expect(after.items[0]?.window.state).toBe("human_agent_only");
  });
});

describe("tenant isolation", () => {
  const IGSID_SHARED = "8001"; // the same customer writes to account A in both organisations
  const IGSID_ONLY_A = "8002";
  const IGSID_U2 = "8003";

  beforeAll(async () => {
    await putAll([
      integration(A1, ACCOUNT_A),
      integration(A2, ACCOUNT_B),
      integration(B1, ACCOUNT_A),
      conversation("org-a", ACCOUNT_A, IGSID_SHARED, T0 + 3000),
      conversation("org-a", ACCOUNT_A, IGSID_ONLY_A, T0 + 2000),
      conversation("org-a", ACCOUNT_B, IGSID_U2, T0 + 1000),
      conversation("org-b", ACCOUNT_A, IGSID_SHARED, T0 + 4000, { lastMessagePreview: "org b secret" }),
      message("org-a", ACCOUNT_A, IGSID_SHARED, "mid_a_1", T0 + 3000, { text: "for org a" }),
      message("org-a", ACCOUNT_A, IGSID_SHARED, "mid_a_2", T0 + 3100, { text: "for org a again" }),
      message("org-a", ACCOUNT_A, IGSID_ONLY_A, "mid_a_3", T0 + 2000),
      message("org-a", ACCOUNT_B, IGSID_U2, "mid_u2_1", T0 + 1000, { text: "for u2" }),
      message("org-b", ACCOUNT_A, IGSID_SHARED, "mid_b_1", T0 + 4000, { text: "org b secret" }),
      message("org-b", ACCOUNT_A, IGSID_SHARED, "mid_b_2", T0 + 4100, { text: "org b secret 2" }),
    ]);
  });

  it("each caller lists only their own integration's conversations in their own organisation", async () => {
    const ids = async (tenant: { imoId: string; userId: string }) =>
      ConversationsPage.parse((await listConversations(await bearer(tenant))).body).items.map((c) => [
        c.conversationId,
        c.lastMessagePreview,
      ]);
    expect(await ids(A1)).toEqual([
      [`${ACCOUNT_A}_${IGSID_SHARED}`, `hello from ${IGSID_SHARED}`],
      [`${ACCOUNT_A}_${IGSID_ONLY_A}`, `hello from ${IGSID_ONLY_A}`],
    ]);
    expect(await ids(A2)).toEqual([[`${ACCOUNT_B}_${IGSID_U2}`, `hello from ${IGSID_U2}`]]);
    expect(await ids(B1)).toEqual([[`${ACCOUNT_A}_${IGSID_SHARED}`, "org b secret"]]);
  });

  it("the same conversation id reads each organisation's own messages", async () => {
    const texts = async (tenant: { imoId: string; userId: string }) =>
      MessagesPage.parse(
        (await listMessages(await bearer(tenant), `${ACCOUNT_A}_${IGSID_SHARED}`)).body,
      ).items.map((m) => m.text);
    expect(await texts(A1)).toEqual(["for org a again", "for org a"]);
    expect(await texts(B1)).toEqual(["org b secret 2", "org b secret"]);
  });

  it("another user's or organisation's conversation is 404, exactly like one that does not exist", async () => {
    // u2 of org A asks for u1's conversation (same organisation, other account).
    expectProblem(
      await listMessages(await bearer(A2), `${ACCOUNT_A}_${IGSID_SHARED}`),
      404,
      "resource.not_found",
    );
    // u1 of org A asks for u2's.
    expectProblem(
      await listMessages(await bearer(A1), `${ACCOUNT_B}_${IGSID_U2}`),
      404,
      "resource.not_found",
    );
    // org B (same account, same user id) asks for a conversation only org A has.
    expectProblem(
      await listMessages(await bearer(B1), `${ACCOUNT_A}_${IGSID_ONLY_A}`),
      404,
      "resource.not_found",
    );
    // Never existed anywhere: the same answer, byte for byte apart from nothing.
    const missing = await listMessages(await bearer(A1), `${ACCOUNT_A}_9999999`);
    const foreign = await listMessages(await bearer(A2), `${ACCOUNT_A}_${IGSID_SHARED}`);
    expectProblem(missing, 404, "resource.not_found");
    expect(foreign.body).toEqual(missing.body);
  });

  it("a cursor only continues the list of the caller it was issued to", async () => {
    const page = ConversationsPage.parse((await listConversations(await bearer(A1), { limit: "1" })).body);
    const cursor = String(page.nextCursor);
    expectProblem(await listConversations(await bearer(A2), { cursor }), 400, "request.invalid");
    expectProblem(await listConversations(await bearer(B1), { cursor }), 400, "request.invalid");
    expect((await listConversations(await bearer(A1), { cursor })).status).toBe(200);

    const msgs = MessagesPage.parse(
      (await listMessages(await bearer(A1), `${ACCOUNT_A}_${IGSID_SHARED}`, { limit: "1" })).body,
    );
    const msgCursor = String(msgs.nextCursor);
    expectProblem(
      await listMessages(await bearer(B1), `${ACCOUNT_A}_${IGSID_SHARED}`, { cursor: msgCursor }),
      400,
      "request.invalid",
    );
    // A messages cursor is not a conversations cursor, nor one for another conversation.
    expectProblem(await listConversations(await bearer(A1), { cursor: msgCursor }), 400, "request.invalid");
    expectProblem(
      await listMessages(await bearer(A1), `${ACCOUNT_A}_${IGSID_ONLY_A}`, { cursor: msgCursor }),
      400,
      "request.invalid",
    );
  });

  it("a forged cursor with the caller's scope but another partition's key is rejected, not executed", async () => {
    const forge = (scope: string, key: Record<string, string>) =>
      Buffer.from(JSON.stringify({ v: 1, s: scope, k: key })).toString("base64url");
    const scope = `conversations|org-a|u1|${ACCOUNT_A}`;
    const orgB = conversation("org-b", ACCOUNT_A, IGSID_SHARED, T0 + 4000);
    const keyOf = (item: Record<string, unknown>) =>
      Object.fromEntries(["pk", "sk", "gsi1pk", "gsi1sk"].map((k) => [k, String(item[k])]));
    expectProblem(
      await listConversations(await bearer(A1), { cursor: forge(scope, keyOf(orgB)) }),
      400,
      "request.invalid",
    );
    // The caller's own partition but an extra attribute: rejected too.
    const own = keyOf(conversation("org-a", ACCOUNT_A, IGSID_SHARED, T0 + 3000));
    expectProblem(
      await listConversations(await bearer(A1), { cursor: forge(scope, { ...own, extra: "x" }) }),
      400,
      "request.invalid",
    );
    // A well-formed key of the caller's own partition simply positions the page.
    const positioned = ConversationsPage.parse(
      (await listConversations(await bearer(A1), { cursor: forge(scope, own) })).body,
    );
    expect(positioned.items.map((c) => c.participant.igsid)).toEqual([IGSID_ONLY_A]);
  });

  it("an oversized cursor (a key value over DynamoDB's 1,024-byte sort key limit in UTF-8) is a 400, not a 500", async () => {
    const forge = (scope: string, key: Record<string, string>) =>
      Buffer.from(JSON.stringify({ v: 1, s: scope, k: key })).toString("base64url");
    const scope = `conversations|org-a|u1|${ACCOUNT_A}`;
    const own = conversation("org-a", ACCOUNT_A, IGSID_SHARED, T0 + 3000);
    const key = Object.fromEntries(
      ["pk", "sk", "gsi1pk"].map((k) => [k, String(own[k as keyof typeof own])]),
    );
    // 600 characters (under the old character limit) but 1,200 bytes: DynamoDB refused it with a 500 before.
    const cursor = forge(scope, { ...key, gsi1sk: "é".repeat(600) });
    expect(cursor.length).toBeLessThanOrEqual(2048);
    expectProblem(await listConversations(await bearer(A1), { cursor }), 400, "request.invalid");
    // And one that is simply too long to be ours.
    expectProblem(
      await listConversations(await bearer(A1), { cursor: "A".repeat(4096) }),
      400,
      "request.invalid",
    );
  });

  it("no integration: an empty inbox and 404 for any conversation; revoked reads as none; needs_reauth still reads", async () => {
    const nobody = { imoId: "org-a", userId: "nobody" };
    expect(ConversationsPage.parse((await listConversations(await bearer(nobody))).body)).toEqual({
      items: [],
    });
    expectProblem(
      await listMessages(await bearer(nobody), `${ACCOUNT_A}_${IGSID_SHARED}`),
      404,
      "resource.not_found",
    );

    const revoked = { imoId: "org-r", userId: "former" };
    const reauth = { imoId: "org-r", userId: "current" };
    await putAll([
      integration(revoked, "17841000000000501", "revoked"),
      integration(reauth, "17841000000000502", "needs_reauth"),
      conversation("org-r", "17841000000000501", "1", T0),
      conversation("org-r", "17841000000000502", "2", T0),
      message("org-r", "17841000000000502", "2", "mid_r", T0),
    ]);
    expect(ConversationsPage.parse((await listConversations(await bearer(revoked))).body).items).toEqual([]);
    expectProblem(
      await listMessages(await bearer(revoked), "17841000000000501_1"),
      404,
      "resource.not_found",
    );
    expect(ConversationsPage.parse((await listConversations(await bearer(reauth))).body).items).toHaveLength(
      1,
    );
    expect(
      MessagesPage.parse((await listMessages(await bearer(reauth), "17841000000000502_2")).body).items,
    ).toHaveLength(1);
  });
});

describe("bad tokens (API Gateway's JWT authorizer rules, via dev/local-auth)", () => {
  it.each([
    ["missing", async () => undefined],
    ["malformed", async () => "Bearer not.a.jwt"],
    ["wrong scheme", async () => `Basic ${await auth.issueDevToken(claimsOf(A1))}`],
    [
      "bad signature",
      async () => {
        const impostor = await createLocalIssuer({ issuer: auth.issuer, audience: auth.audience });
        return `Bearer ${await impostor.issueDevToken(claimsOf(A1))}`;
      },
    ],
    [
      "wrong issuer",
      async () => `Bearer ${await auth.issueDevToken(claimsOf(A1), { issuer: "https://other.example" })}`,
    ],
    [
      "wrong audience",
      async () => `Bearer ${await auth.issueDevToken(claimsOf(A1), { audience: "another-api" })}`,
    ],
    [
      "expired",
      async () =>
        `Bearer ${await auth.issueDevToken(claimsOf(A1), { now: Date.now() - 7200_000, expiresIn: 3600 })}`,
    ],
    ["without the organisation claim", async () => `Bearer ${await auth.issueDevToken({ sub: "u1" })}`],
  ])("%s: 401 problem+json on both routes", async (_name, header) => {
    const authorization = await header();
    expectProblem(await listConversations(authorization as string), 401, "auth.unauthorized");
    expectProblem(
      await listMessages(authorization as string, `${ACCOUNT_A}_${IGSID_SHARED_FOR_AUTH}`),
      401,
      "auth.unauthorized",
    );
  });
});

describe("query and path validation", () => {
  it.each([
    ["not base64url", "!!!***"],
    ["base64url but not JSON", "bm90IGpzb24"],
    ["JSON of the wrong shape", Buffer.from(JSON.stringify({ hello: "world" })).toString("base64url")],
    ["JSON array", Buffer.from("[1,2,3]").toString("base64url")],
    [
      "a key with a number",
      Buffer.from(JSON.stringify({ v: 1, s: "x", k: { pk: 1 } })).toString("base64url"),
    ],
    ["too long", "a".repeat(5000)],
  ])("a malformed cursor (%s) is 400, never 500", async (_name, cursor) => {
    const token = await bearer(A1);
    expectProblem(await listConversations(token, { cursor }), 400, "request.invalid");
    expectProblem(
      await listMessages(token, `${ACCOUNT_A}_${IGSID_SHARED_FOR_AUTH}`, { cursor }),
      400,
      "request.invalid",
    );
  });

  it("a truncated or bit-flipped real cursor is 400", async () => {
    const token = await bearer(A1);
    const cursor = String(
      ConversationsPage.parse((await listConversations(token, { limit: "1" })).body).nextCursor,
    );
    expectProblem(await listConversations(token, { cursor: cursor.slice(0, -5) }), 400, "request.invalid");
    const flipped = `${cursor.slice(0, 10)}${cursor[10] === "A" ? "B" : "A"}${cursor.slice(11)}`;
    expectProblem(await listConversations(token, { cursor: flipped }), 400, "request.invalid");
  });

  it("limit is bounded to 1..100 and must be an integer; unknown query parameters are ignored", async () => {
    const token = await bearer(A1);
    for (const limit of ["0", "101", "-1", "2.5", "ten", ""]) {
      const response = await listConversations(token, { limit });
      expectProblem(response, 400, "request.invalid");
      expect(response.body.errors).toEqual([expect.objectContaining({ field: "query.limit" })]);
    }
    expect((await listConversations(token, { limit: "100" })).status).toBe(200);
    expect((await listConversations(token, { limit: "1", sort: "asc", debug: "true" })).status).toBe(200);
  });

  it("a malformed conversation id is 400 with the field named", async () => {
    const token = await bearer(A1);
    for (const id of ["abc", "123", "1_2_3", `${"9".repeat(31)}_1`]) {
      const response = await listMessages(token, id);
      expectProblem(response, 400, "request.invalid");
      expect(response.body.errors).toEqual([expect.objectContaining({ field: "path.conversationId" })]);
    }
  });
});

describe("message views", () => {
  it("carry direction, type, reactions, read state, edits, unsends and outbound delivery status", async () => {
    const tenant = { imoId: "org-view", userId: "agent" };
    const account = "17841000000000600";
    const igsid = "9001";
    await putAll([
      integration(tenant, account),
      conversation(tenant.imoId, account, igsid, T0 + 10_000),
      message(tenant.imoId, account, igsid, "m1", T0 + 1000, {
        text: "edited text",
        editCount: 2,
        reactions: { [igsid]: { reaction: "love", emoji: "❤️", at: T0 + 1500 } },
      }),
      message(tenant.imoId, account, igsid, "m2", T0 + 2000, { text: undefined, deleted: true }),
      message(tenant.imoId, account, igsid, "m3", T0 + 3000, {
        text: undefined,
        attachments: [{ type: "image", url: "https://cdn.example/x.jpg" }, { type: "ephemeral" }],
      }),
      message(tenant.imoId, account, igsid, "api-1", T0 + 4000, {
        mid: undefined,
        direction: "outbound",
        source: "api",
        status: "failed",
        failureReason: "window_closed",
        userId: "agent",
      }),
      message(tenant.imoId, account, igsid, "mid_echo", T0 + 5000, {
        direction: "outbound",
        source: "echo",
        readAt: T0 + 6000,
      }),
      message(tenant.imoId, account, igsid, "m6", T0 + 6000, { text: undefined, unsupported: true }),
    ]);
    const page = MessagesPage.parse((await listMessages(await bearer(tenant), `${account}_${igsid}`)).body);
    const byId = Object.fromEntries(page.items.map((m) => [m.messageId, m]));
    expect(page.items.map((m) => m.messageId)).toEqual(["m6", "mid_echo", "api-1", "m3", "m2", "m1"]);
    expect(byId.m1).toMatchObject({
      type: "text",
      text: "edited text",
      editCount: 2,
      direction: "inbound",
      reactions: [{ by: igsid, reaction: "love", emoji: "❤️", at: iso(T0 + 1500) }],
      sentAt: iso(T0 + 1000),
    });
    expect(byId.m2).toMatchObject({ type: "deleted", deleted: true });
    expect(byId.m2?.text).toBeUndefined();
    expect(byId.m3).toMatchObject({
      type: "attachment",
      attachments: [{ type: "image" }, { type: "ephemeral" }],
    });
    expect(byId["api-1"]).toMatchObject({
      direction: "outbound",
      source: "api",
      status: "failed",
      failureReason: "window_closed",
    });
    expect(byId["api-1"]).not.toHaveProperty("userId");
    expect(byId.mid_echo).toMatchObject({ source: "echo", readAt: iso(T0 + 6000) });
    expect(byId.m6).toMatchObject({ type: "unsupported" });
    for (const item of page.items) {
      expect(item).not.toHaveProperty("imoId");
      expect(item).not.toHaveProperty("pk");
    }
  });
});
