import { createHmac } from "node:crypto";
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoIntegrationStore } from "../../lambdas/adapters/dynamo/integrations";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { connectIntegration } from "../../lambdas/domain/connect/connect-rules";
import { sealToken } from "../../lambdas/domain/token-seal";
import { signedRequestResult } from "../../lambdas/http/connect-results";
import {
  ACCOUNTS,
  type ConnectHarness,
  landing,
  PUBLIC_BASE_URL,
  startConnectHarness,
} from "../support/connect-harness";
import { httpEvent, lambdaContext } from "../support/http-event";
import { TEST_KEYS, TEST_SECRETS } from "../support/keys";

const DAY = 86_400_000;
// shared/reference/signed-request.md
const VECTOR_3 =
  "CyxEoxoChM7zRAnd0J0K06y7r1yqSfiA4A7PvExx5b4.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImlzc3VlZF9hdCI6MTc3MzE1MzAwMCwidXNlcl9pZCI6IjI2OTEzMzg0NzU1MTAzNDIyIn0";
const VECTOR_4 =
  "kBwfSqN2EP6WbAF3OeQWrJy89a1Tq82_UEl_F0S0xEw.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImlzc3VlZF9hdCI6MTc3MzE1MzAwMCwidXNlcl9pZCI6IjEyMjEwNDU5MzIxODc2NTQzMyJ9";
const IG_SECRET = "5d2e9f7a1b3c4d6e8f0a1b2c3d4e5f6a";

function signed(payload: object, secret = IG_SECRET): string {
  const encoded = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${createHmac("sha256", secret).update(encoded).digest("base64url")}.${encoded}`;
}

let h: ConnectHarness;
let n = 0;
const org = () => `org-life-${++n}`;

beforeAll(async () => {
  h = await startConnectHarness();
});
afterAll(async () => {
  await h.stop();
});

describe("token refresh", () => {
  const base = (imoId: string, userId: string, igAccountId: string, appScopedUserId: string) => ({
    imoId,
    userId,
    igAccountId,
    appScopedUserId,
    username: "u",
    accountType: "BUSINESS" as const,
    status: "connected" as const,
    connectedAt: Date.now() - 55 * DAY,
    updatedAt: Date.now() - 55 * DAY,
    version: 1,
  });

  it("refreshes tokens close to expiry, marks rejected ones needs_reauth, leaves the rest", async () => {
    const imoId = org();
    const dueToken = h.sim.issueToken({ igAccountId: ACCOUNTS.riviera.igId, kind: "long", ageMs: 55 * DAY });
    const rejectedToken = h.sim.issueToken({
      igAccountId: ACCOUNTS.second.igId,
      kind: "long",
      ageMs: 55 * DAY,
    });
    const freshToken = h.sim.issueToken({ igAccountId: ACCOUNTS.creator.igId, kind: "long", ageMs: 2 * DAY });
    h.sim.invalidateToken(rejectedToken);
    const soon = Date.now() + 5 * DAY;
    await h.seedIntegration(
      {
        ...base(imoId, "due", ACCOUNTS.riviera.igId, ACCOUNTS.riviera.appScopedId),
        tokenIssuedAt: Date.now() - 55 * DAY,
        tokenExpiresAt: soon,
      },
      dueToken,
    );
    await h.seedIntegration(
      {
        ...base(imoId, "rejected", ACCOUNTS.second.igId, ACCOUNTS.second.appScopedId),
        tokenIssuedAt: Date.now() - 55 * DAY,
        tokenExpiresAt: soon,
      },
      rejectedToken,
    );
    await h.seedIntegration(
      {
        ...base(imoId, "fresh", ACCOUNTS.creator.igId, ACCOUNTS.creator.appScopedId),
        tokenIssuedAt: Date.now() - 2 * DAY,
        tokenExpiresAt: Date.now() + 58 * DAY,
      },
      freshToken,
    );

    const report = await h.runTokenRefresh();

    expect(report).toMatchObject({ refreshed: 1, rejected: 1, failed: 0 });
    const due = await h.storedIntegration({ imoId, userId: "due" });
    expect(due?.status).toBe("connected");
    expect(h.tokenOf(due)).toMatch(/^IGAA/);
    expect(h.tokenOf(due)).not.toBe(dueToken);
    expect(due?.tokenExpiresAt).toBeGreaterThan(Date.now() + 59 * DAY);
    expect(due?.version).toBe(2);

    const rejected = await h.storedIntegration({ imoId, userId: "rejected" });
    expect(rejected?.status).toBe("needs_reauth");
    expect(rejected?.token).toBeUndefined();
    expect((await h.rawItem(Keys.integration(imoId, "rejected")))?.gsi3pk).toBeUndefined();
    expect((await h.getIntegration({ imoId, userId: "rejected" })).body.status).toBe("needs_reauth");

    const fresh = await h.storedIntegration({ imoId, userId: "fresh" });
    expect(h.tokenOf(fresh)).toBe(freshToken);
    expect(fresh?.version).toBe(1);

    // Run again: nothing left to do (refreshed token is far from expiry, the rejected one has no token).
    const again = await h.runTokenRefresh();
    expect(again).toMatchObject({ refreshed: 0, rejected: 0 });
  });

  it("the scheduled handler runs the same refresh", async () => {
    const { handler } = await import("../../lambdas/handlers/token-refresh");
    await expect(handler({}, lambdaContext("token-refresh"))).resolves.toBeUndefined();
  });
});

describe("deauthorize", () => {
  it("a fresh signed_request: revokes the integration, erases its token, releases the account", async () => {
    const alice = { userId: "alice", imoId: org() };
    landing(await h.connect(alice, ACCOUNTS.riviera.username));
    const value = h.signedNow({ user_id: ACCOUNTS.riviera.appScopedId });

    const response = await h.signedRequest("deauthorize", value);

    expect(response.statusCode).toBe(200);
    const stored = await h.storedIntegration(alice);
    expect(stored?.status).toBe("revoked");
    expect(stored?.token).toBeUndefined();
    expect(await h.rawItem(Keys.accountClaim(alice.imoId, ACCOUNTS.riviera.igId))).toBeUndefined();
    // Meta may repeat a callback: still 200, nothing else changes.
    expect((await h.signedRequest("deauthorize", value)).statusCode).toBe(200);
    expect((await h.storedIntegration(alice))?.version).toBe(stored?.version);
  });

  it.each([
    ["vector 4 (tampered)", VECTOR_4, 403, "signed_request.signature_invalid"],
    [
      "signed with another secret",
      signed({ algorithm: "HMAC-SHA256", user_id: ACCOUNTS.second.appScopedId }, "x".repeat(32)),
      403,
      "signed_request.signature_invalid",
    ],
    ["malformed", "no-dot-here", 400, "signed_request.invalid"],
    [
      "wrong algorithm",
      signed({ algorithm: "HMAC-SHA1", user_id: ACCOUNTS.second.appScopedId }),
      400,
      "signed_request.invalid",
    ],
  ])("%s: rejected, nothing changes", async (_name, value, status, code) => {
    const bob = { userId: "bob", imoId: org() };
    landing(await h.connect(bob, ACCOUNTS.second.username));
    const before = await h.storedIntegration(bob);

    const response = await h.signedRequest("deauthorize", value);
    const deletion = await h.signedRequest("dataDeletion", value);

    for (const answer of [response, deletion]) {
      expect(answer.statusCode).toBe(status);
      expect(JSON.parse(answer.body ?? "{}").code).toBe(code);
    }
    expect(await h.storedIntegration(bob)).toEqual(before);
  });

  it("no signed_request, or not a form: 400 / 415", async () => {
    expect((await h.signedRequest("deauthorize", undefined)).statusCode).toBe(400);
    expect((await h.signedRequest("deauthorize", VECTOR_3, "application/json")).statusCode).toBe(415);
  });
});

describe("data deletion", () => {
  it("erases the integration, token, conversations and messages; answers { url, confirmation_code }; status reports it", async () => {
    const imoId = org();
    const alice = { userId: "alice", imoId };
    landing(await h.connect(alice, ACCOUNTS.creator.username));
    const ig = ACCOUNTS.creator.igId;
    const otherOrg = org();
    const seedConversation = async (inOrg: string, igsid: string, messages: number) => {
      await h.db.send(
        new PutCommand({
          TableName: h.tableName,
          Item: {
            ...Keys.conversation(inOrg, ig, igsid),
            ...Keys.inbox(inOrg, ig),
            gsi1sk: `2026-11-25T10:00:00.000Z#${igsid}`,
            imoId: inOrg,
            igAccountId: ig,
            igsid,
          },
        }),
      );
      for (let i = 0; i < messages; i++) {
        await h.db.send(
          new PutCommand({
            TableName: h.tableName,
            Item: {
              ...Keys.message(inOrg, `m-${igsid}-${i}`),
              ...Keys.conversationMessages(inOrg, ig, igsid),
              gsi1sk: `2026-11-25T10:00:0${i}.000Z#m-${igsid}-${i}`,
              messageId: `m-${igsid}-${i}`,
              mid: i === 0 ? `mid-${igsid}` : `m-${igsid}-${i}`,
              text: "hello",
            },
          }),
        );
      }
      await h.db.send(
        new PutCommand({
          TableName: h.tableName,
          Item: { ...Keys.sentMid(inOrg, `mid-${igsid}`), messageId: `m-${igsid}-0` },
        }),
      );
    };
    await seedConversation(imoId, "3416870925138842", 30);
    await seedConversation(imoId, "3416870925138843", 2);
    await seedConversation(otherOrg, "3416870925138844", 1); // no integration there for this person: kept

    const now = Math.floor(Date.now() / 1000);
    const response = await h.signedRequest(
      "dataDeletion",
      h.signedNow({ expires: now + 3600, user_id: ACCOUNTS.creator.appScopedId }),
    );

    expect(response.statusCode).toBe(200);
    // The callback only queued the job: nothing is erased before the worker runs it.
    expect(await h.storedIntegration(alice)).toBeDefined();
    const code = JSON.parse(response.body ?? "{}").confirmation_code as string;
    const pending = await h.handlers.dataDeletionStatus(
      httpEvent({ method: "GET", route: "/instagram/data-deletion/{code}", pathParameters: { code } }),
      lambdaContext(),
    );
    expect(JSON.parse(pending.body ?? "{}")).toMatchObject({ status: "pending" });
    expect(await h.runErasureJobs()).toBe(1);

    expect(response.headers?.["content-type"]).toBe("application/json");
    const body = JSON.parse(response.body ?? "{}");
    expect(body.confirmation_code).toMatch(/^[A-Z0-9]{16}$/);
    expect(body.url).toBe(`${PUBLIC_BASE_URL}/instagram/data-deletion/${body.confirmation_code}`);
    expect(await h.storedIntegration(alice)).toBeUndefined();
    expect(await h.rawItem(Keys.accountClaim(imoId, ig))).toBeUndefined();
    expect(await h.rawItem(Keys.conversation(imoId, ig, "3416870925138842"))).toBeUndefined();
    expect(await h.rawItem(Keys.message(imoId, "m-3416870925138842-29"))).toBeUndefined();
    expect(await h.rawItem(Keys.sentMid(imoId, "mid-3416870925138842"))).toBeUndefined();
    const left = await h.db.send(
      new QueryCommand({
        TableName: h.tableName,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": Keys.conversationMessages(imoId, ig, "3416870925138843").gsi1pk },
      }),
    );
    expect(left.Items).toEqual([]);
    expect(await h.rawItem(Keys.conversation(otherOrg, ig, "3416870925138844"))).toBeDefined();

    const status = await h.handlers.dataDeletionStatus(
      httpEvent({
        method: "GET",
        route: "/instagram/data-deletion/{code}",
        path: `/instagram/data-deletion/${body.confirmation_code}`,
        pathParameters: { code: body.confirmation_code },
      }),
      lambdaContext(),
    );
    expect(status.statusCode).toBe(200);
    expect(JSON.parse(status.body ?? "{}")).toMatchObject({
      confirmationCode: body.confirmation_code,
      status: "completed",
      // 32 messages and a sent-mid pointer per conversation, the links of its 2 distinct ids; integrations: this
      // one and any other organisation's of the same account (earlier tests of this file connect it too).
      erased: { integrations: expect.any(Number), conversations: 2, messages: 32, other: 4 },
    });
    expect(status.body).not.toContain(ACCOUNTS.creator.appScopedId);
  });

  it("unknown confirmation code: 404", async () => {
    const response = await h.handlers.dataDeletionStatus(
      httpEvent({
        method: "GET",
        route: "/instagram/data-deletion/{code}",
        pathParameters: { code: "NOPE0000" },
      }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(404);
  });

  it("answers 200 with a code even when nothing is stored for that person", async () => {
    const response = await h.signedRequest("dataDeletion", h.signedNow({ user_id: "123456789" }));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? "{}").confirmation_code).toMatch(/^[A-Z0-9]{16}$/);
    expect(await h.runErasureJobs()).toBe(1);
  });
});

describe("signed_request callbacks posted to the webhook URL (kind inferred)", () => {
  it("no `expires`: deauthorize; with `expires`: data deletion with { url, confirmation_code }", async () => {
    const dana = { userId: "dana", imoId: org() };
    landing(await h.connect(dana, ACCOUNTS.second.username));

    const deauth = signedRequestResult(
      await h.wiring.signedRequestCallback(
        "infer",
        h.signedNow({ user_id: ACCOUNTS.second.appScopedId }),
        TEST_SECRETS,
      ),
    );
    expect(deauth.statusCode).toBe(200);
    expect((await h.storedIntegration(dana))?.status).toBe("revoked");

    const deletion = signedRequestResult(
      await h.wiring.signedRequestCallback(
        "infer",
        h.signedNow({ expires: Math.floor(Date.now() / 1000) + 3600, user_id: ACCOUNTS.second.appScopedId }),
        TEST_SECRETS,
      ),
    );
    expect(deletion.statusCode).toBe(200);
    expect(JSON.parse(deletion.body ?? "{}").confirmation_code).toMatch(/^[A-Z0-9]{16}$/);
    await h.runErasureJobs();
    expect(await h.storedIntegration(dana)).toBeUndefined();
  });
});

describe("concurrency straight at the store", () => {
  it("six connects of one user racing with different accounts leave one integration and one claim", async () => {
    const imoId = org();
    const store = dynamoIntegrationStore(h.db, h.tableName);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        connectIntegration(
          store,
          { imoId, userId: "alice" },
          {
            igAccountId: `1784140000000010${i}`,
            appScopedUserId: `2691338470000010${i}`,
            username: `acct${i}`,
            accountType: "BUSINESS",
            token: sealToken(`IGAAfake${i}`, TEST_KEYS),
            tokenIssuedAt: Date.now(),
            tokenExpiresAt: Date.now() + 60 * DAY,
          },
          Date.now,
        ),
      ),
    );
    expect(results.every((result) => result.attempts >= 1)).toBe(true);
    const items = await h.orgItems(imoId);
    const integrations = items.filter((item) => item.entity === "integration");
    const claims = items.filter((item) => item.entity === "account_claim");
    expect(integrations).toHaveLength(1);
    expect(claims).toHaveLength(1);
    expect(claims[0]?.sk).toBe(`ACCOUNT#${integrations[0]?.igAccountId}`);
  });
});
