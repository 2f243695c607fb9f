import { beforeAll, describe, expect, it } from "vitest";
import type { HttpResult } from "../../lambdas/http/types";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { freshQueues, freshTable } from "../support/local-aws";
import {
  CONVERSATION,
  claimsOf,
  type HttpHandler,
  itemsOf,
  OWNER,
  postMessage,
  seedConversation,
  seedIntegration,
} from "../support/outbound-harness";
import { scanTable } from "../support/table-scan";

/**
 * Issue 12 part 4, runtime items: tenant claims that could forge key parts, and bodies that are not UTF-8.
 * Each attack is tried through the real handler on DynamoDB Local and local SQS, and must change nothing.
 */
let tableName: string;
let send: HttpHandler;
let get: HttpHandler;

beforeAll(async () => {
  tableName = await freshTable();
  const { queueUrl } = await freshQueues();
  setHandlerEnv({ tableName, OUTBOUND_QUEUE_URL: queueUrl });
  send = (await import("../../lambdas/handlers/message-send")).handler as HttpHandler;
  get = (await import("../../lambdas/handlers/integration-get")).handler as HttpHandler;
  await seedIntegration(tableName, { token: "IGAAT4JuXFtestTokenForHardening000ZDZD" });
  await seedConversation(tableName, Date.now() - 3600_000);
});

function expectProblem(response: HttpResult, status: number, code: string) {
  expect(response.statusCode, response.body ?? "").toBe(status);
  expect(String(response.headers?.["content-type"])).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(response.body ?? "{}").code).toBe(code);
}

describe("tenant claims with `#` or control characters are refused (401) before any read", () => {
  it("user `user-out#a` cannot replay user-out's Idempotency-Key `a#order-7` and learn its message id", async () => {
    const body = { conversationId: CONVERSATION, text: "Your order #7 ships today" };
    const owners = await postMessage(send, body, { key: "a#order-7" });
    expect(owners.statusCode).toBe(202);
    const ownersId = JSON.parse(owners.body ?? "{}").messageId;
    const before = await scanTable(tableName);

    // Before the fix both requests addressed IDEMPOTENCY#imo-out#user-out#a#order-7.
    const attacker = { imoId: OWNER.imoId, userId: `${OWNER.userId}#a` };
    const replay = await postMessage(send, body, { key: "order-7", tenant: attacker });
    expectProblem(replay, 401, "auth.unauthorized");
    expect(replay.body ?? "").not.toContain(ownersId);
    expect(await scanTable(tableName)).toEqual(before);
  });

  it.each([
    ["`#` in the organisation", { imoId: `${OWNER.imoId}#x`, userId: OWNER.userId }],
    ["a newline in the user", { imoId: OWNER.imoId, userId: "user\nout" }],
    ["a NUL in the organisation", { imoId: "imo\u0000out", userId: OWNER.userId }],
    ["DEL in the user", { imoId: OWNER.imoId, userId: "user\u007f" }],
    ["a C1 control in the user", { imoId: OWNER.imoId, userId: "user\u0085" }],
    ["a line separator in the organisation", { imoId: "imo\u2028out", userId: OWNER.userId }],
  ])("%s: 401 problem+json on a read route and a write route", async (_name, tenant) => {
    const read = await get(
      httpEvent({ method: "GET", route: "/instagram/integration", claims: claimsOf(tenant) }),
      lambdaContext(),
    );
    expectProblem(read, 401, "auth.unauthorized");
    const before = (await itemsOf(tableName, "message")).length;
    const write = await postMessage(send, { conversationId: CONVERSATION, text: "hi" }, { tenant });
    expectProblem(write, 401, "auth.unauthorized");
    expect((await itemsOf(tableName, "message")).length).toBe(before);
  });

  it("ordinary ids (dashes, dots, @, unicode letters) are still accepted", async () => {
    const response = await get(
      httpEvent({
        method: "GET",
        route: "/instagram/integration",
        claims: claimsOf({ imoId: "imo.ünïcode-1", userId: "user+tag@example.com|auth0" }),
      }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(200);
  });
});

describe("bodies that are not valid UTF-8 are refused with 400", () => {
  const bytes = (...parts: (string | number[])[]) =>
    Buffer.concat(
      parts.map((part) => (typeof part === "string" ? Buffer.from(part, "utf8") : Buffer.from(part))),
    );

  it("POST /instagram/messages with the bytes `caf\\xe9\\xff`: 400 request.invalid, nothing stored or queued", async () => {
    const before = await scanTable(tableName);
    const body = bytes(`{"conversationId":"${CONVERSATION}","text":"caf`, [0xe9, 0xff], `"}`);
    const response = await send(
      httpEvent({
        method: "POST",
        route: "/instagram/messages",
        headers: { "content-type": "application/json", "idempotency-key": "utf8-check-1" },
        body,
        claims: claimsOf(OWNER),
      }),
      lambdaContext(),
    );
    expectProblem(response, 400, "request.invalid");
    expect(JSON.parse(response.body ?? "{}").errors).toEqual([
      { field: "body", message: "Body is not valid UTF-8" },
    ]);
    expect(await scanTable(tableName)).toEqual(before);
  });

  it("the same text in valid UTF-8 (`café`) is accepted", async () => {
    const body = bytes(`{"conversationId":"${CONVERSATION}","text":"café"}`);
    const response = await send(
      httpEvent({
        method: "POST",
        route: "/instagram/messages",
        headers: { "content-type": "application/json" },
        body,
        claims: claimsOf(OWNER),
      }),
      lambdaContext(),
    );
    expect(response.statusCode, response.body ?? "").toBe(202);
    expect((await itemsOf(tableName, "message")).some((m) => m.text === "café")).toBe(true);
  });
});
