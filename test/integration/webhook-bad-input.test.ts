import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { signedRequest } from "../../dev/meta-simulator/index";
import { createErasureQueues } from "../../dev/services/provision";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { Env } from "../../lambdas/contract/env";
import { SecretFields } from "../../lambdas/contract/secrets";
import type { Integration } from "../../lambdas/domain/integration";
import { signatureHeader } from "../../lambdas/domain/webhook/signature";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { metrics } from "../../lambdas/platform/metrics";
import { FAKE, secretDocument } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { putIntegration } from "../support/integrations";
import { freshTable, localSqs } from "../support/local-aws";
import { ACCOUNT, fixtureText, webhookPost } from "../support/webhook-fixtures";
import { connectIntegration, scanAll } from "../support/webhook-seed";

// shared/reference/webhook-signature-vectors.md
const VECTOR_A = JSON.stringify(JSON.parse(fixtureText("ig-message-text.json")));
const A_META = "sha256=9f1192a075d05fac005756c8434221cb3ee3607dc12ab8dc78a78b1634cf1374";
const VECTOR_C =
  '{"object":"instagram","entry":[{"time":1773152128984,"id":"17841462871093525","messaging":[{"sender":{"id":"3416870925138842"},"recipient":{"id":"17841462871093525"},"timestamp":1773152126410,"reaction":{"mid":"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDYyODcxMDkzNTI1OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI2MjI4NDAxNzE5NDk5ODEzOTozMjU3MTk2NTM1MTc2ODEyNjc3ODU1OTgyNDA1ODUwOTkyMAZDZD","action":"react","reaction":"love","emoji":"\\u2764\\ufe0f"}}]}]}';
const C_RIGHT = "sha256=92ee0e51ba7e81d8f1bd4b6ae338a94cf0307bd1edb3c6f568baa55dbeaa50c3";
const C_WRONG = "sha256=166b997172283a761203b5febeb6e696fdad72849792b3888767bd10ef2840dc";

// shared/reference/signed-request.md: vectors 2 and 3 are issued in March 2026, now stale (refused with
// signed_request.stale, docs/connect-flow.md), so the same payloads are signed again with a fresh issued_at.
const now = () => Math.floor(Date.now() / 1000);
const VECTOR_2_FB_DATA_DELETION = signedRequest(
  { algorithm: "HMAC-SHA256", expires: now() + 3600, issued_at: now(), user_id: "122104593218765432" },
  FAKE.metaAppSecret,
);
const VECTOR_3_IG_DEAUTHORIZE = signedRequest(
  { algorithm: "HMAC-SHA256", issued_at: now(), user_id: "26913384755103422" },
  FAKE.igAppSecret,
);
const VECTOR_3_AS_PUBLISHED =
  "CyxEoxoChM7zRAnd0J0K06y7r1yqSfiA4A7PvExx5b4.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImlzc3VlZF9hdCI6MTc3MzE1MzAwMCwidXNlcl9pZCI6IjI2OTEzMzg0NzU1MTAzNDIyIn0";
const VECTOR_4_TAMPERED =
  "kBwfSqN2EP6WbAF3OeQWrJy89a1Tq82_UEl_F0S0xEw.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImlzc3VlZF9hdCI6MTc3MzE1MzAwMCwidXNlcl9pZCI6IjEyMjEwNDU5MzIxODc2NTQzMyJ9";

const deauthorizable: Integration = {
  imoId: "imo-deauth",
  userId: "user-deauth",
  igAccountId: "17841400000000321",
  appScopedUserId: "26913384755103422",
  username: "deauth.me",
  accountType: "BUSINESS",
  status: "connected",
  token: { keyId: "k", iv: "iv", ciphertext: "ct", tag: "tag" },
  tokenExpiresAt: Date.UTC(2027, 0, 1),
  connectedAt: 1,
  updatedAt: 1,
  version: 1,
};

const db = documentClient();

function signedRequestPost(signedRequest: string): HttpEvent {
  return httpEvent({
    method: "POST",
    route: "/instagram/webhook",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `signed_request=${signedRequest}`,
  });
}

let tableName: string;
let handle: (event: HttpEvent) => Promise<HttpResult>;

beforeAll(async () => {
  tableName = await freshTable();
  // Both the Instagram and the Meta app secret configured, as an operator of both flavours would.
  const dir = mkdtempSync(join(tmpdir(), "ig-webhook-"));
  const secretsFile = join(dir, "secrets.json");
  writeFileSync(secretsFile, secretDocument({ [SecretFields.metaAppSecret]: FAKE.metaAppSecret }), {
    mode: 0o600,
  });
  const erasure = await createErasureQueues(localSqs(), `test-erasure-${tableName.slice(-8)}`);
  setHandlerEnv({ tableName, [Env.localSecretsFile]: secretsFile, [Env.erasureQueueUrl]: erasure.queueUrl });
  const { handler } = await import("../../lambdas/handlers/webhook-receive");
  handle = (event) => handler(event, lambdaContext("webhook-receive"));
  await connectIntegration(tableName, "imo-1", ACCOUNT);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Sends the request and asserts a problem+json answer with this status and code, and no change to the table. */
async function expectRejected(event: HttpEvent, status: number, code: string) {
  const before = await scanAll(tableName);
  const response = await handle(event);
  expect(response.statusCode).toBe(status);
  expect(response.headers?.["content-type"]).toBe("application/problem+json");
  const body = JSON.parse(response.body ?? "{}");
  expect(body).toMatchObject({ status, code, type: `urn:instagram-dm:problem:${code}` });
  expect(response.body).not.toContain(FAKE.igAppSecret);
  expect(response.body).not.toContain("linen shirt");
  expect(await scanAll(tableName)).toEqual(before);
  return body;
}

describe("bad webhook input gets its 4xx problem and leaves the table unchanged", () => {
  it("missing signature → 401, and the invalid-signature metric is counted", async () => {
    const counted = vi.spyOn(metrics, "addMetric");
    await expectRejected(webhookPost(VECTOR_A, { signature: null }), 401, "webhook.signature_invalid");
    expect(counted).toHaveBeenCalledWith("WebhookSignatureInvalid", "Count", 1);
  });

  it.each([
    ["an invalid signature", `sha256=${"0".repeat(64)}`],
    ["a truncated signature", signatureHeader(VECTOR_A, FAKE.igAppSecret).slice(0, 40)],
    ["a signature without the sha256= prefix", signatureHeader(VECTOR_A, FAKE.igAppSecret).slice(7)],
    ["a signature over different bytes", signatureHeader(`${VECTOR_A} `, FAKE.igAppSecret)],
    ["a signature with an unknown secret", signatureHeader(VECTOR_A, "not-the-app-secret")],
    ["Vector C's wrong (re-encoded) signature on the text body", C_WRONG],
  ])("%s → 401", async (_name, signature) => {
    await expectRejected(webhookPost(VECTOR_A, { signature }), 401, "webhook.signature_invalid");
  });

  it("Vector C's wrong signature on Vector C's escaped body → 401", async () => {
    await expectRejected(webhookPost(VECTOR_C, { signature: C_WRONG }), 401, "webhook.signature_invalid");
  });

  it("a validly signed body that is not JSON → 400 webhook.body_invalid", async () => {
    await expectRejected(webhookPost("this is not json"), 400, "webhook.body_invalid");
  });

  it("a validly signed, truncated JSON body → 400", async () => {
    await expectRejected(webhookPost(VECTOR_A.slice(0, 120)), 400, "webhook.body_invalid");
  });

  it.each([
    ["an array", "[]"],
    ["another object", '{"object":"page","entry":[]}'],
    ["entry of the wrong type", '{"object":"instagram","entry":"x"}'],
    ["an entry without id", '{"object":"instagram","entry":[{"messaging":[]}]}'],
  ])("validly signed JSON of the wrong shape (%s) → 400 listing fields", async (_name, body) => {
    const problem = await expectRejected(webhookPost(body), 400, "webhook.body_invalid");
    expect(problem.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: expect.any(String) })]),
    );
  });

  it("a validly signed 2 MiB delivery (above the old 1 MiB limit) is accepted and its events stored", async () => {
    const event = {
      sender: { id: "3416870900000777" },
      recipient: { id: ACCOUNT },
      timestamp: Date.now() - 1000,
      message: { mid: "mid_big_delivery", text: "in a big batch" },
    };
    const delivery = { object: "instagram", entry: [{ id: ACCOUNT, time: Date.now(), messaging: [event] }] };
    // Meta's own whitespace is not at issue: JSON allows it, and the signature covers the bytes as sent.
    const big = `${JSON.stringify(delivery)}${" ".repeat(2 * 1024 * 1024)}`;
    const result = await handle(webhookPost(big));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(String(result.body))).toEqual({ received: 1 });
  });

  it("an oversized body (over 10 MB, more than API Gateway accepts) → 413 before the signature is even checked", async () => {
    const big = JSON.stringify({ object: "instagram", entry: [], padding: "x".repeat(10 * 1000 * 1000) });
    await expectRejected(webhookPost(big), 413, "request.too_large");
    await expectRejected(webhookPost(big, { signature: null }), 413, "request.too_large");
    await expectRejected(webhookPost(Buffer.from(big)), 413, "request.too_large");
  });

  it.each([
    ["text/plain", "text/plain"],
    ["application/xml", "application/xml"],
    ["no content type", null],
  ])("a wrong content type (%s) → 415", async (_name, contentType) => {
    await expectRejected(webhookPost(VECTOR_A, { contentType }), 415, "request.unsupported_media_type");
  });

  it("a form-encoded signed_request with a tampered payload (vector 4) → 403, nothing changed", async () => {
    await expectRejected(signedRequestPost(VECTOR_4_TAMPERED), 403, "signed_request.signature_invalid");
  });

  it("vector 3 as published (issued in March 2026, long stale) → 400 signed_request.stale, nothing changed", async () => {
    await expectRejected(signedRequestPost(VECTOR_3_AS_PUBLISHED), 400, "signed_request.stale");
  });
});

describe("deauthorize and data deletion posted to the webhook URL (the setup guide's configuration)", () => {
  it("a deauthorize signed_request (vector 3, no expires) revokes the integration of that Instagram user", async () => {
    await putIntegration(tableName, deauthorizable, db);
    const response = await handle(signedRequestPost(VECTOR_3_IG_DEAUTHORIZE));
    expect(response.statusCode).toBe(200);
    const stored = await db.send(
      new GetCommand({
        TableName: tableName,
        Key: Keys.integration(deauthorizable.imoId, deauthorizable.userId),
      }),
    );
    expect(stored.Item).toMatchObject({ status: "revoked" });
    expect(stored.Item?.token).toBeUndefined();
  });

  it("a data deletion signed_request (vector 2, with expires) answers Meta's { url, confirmation_code }", async () => {
    const response = await handle(signedRequestPost(VECTOR_2_FB_DATA_DELETION));
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body ?? "{}");
    expect(body.confirmation_code).toMatch(/^[A-Za-z0-9]+$/);
    expect(body.url).toContain(body.confirmation_code);
  });
});

describe("signatures that must verify", () => {
  it("Vector A signed with the Meta app secret is accepted when that secret is configured", async () => {
    const response = await handle(webhookPost(VECTOR_A, { signature: A_META }));
    expect(response.statusCode).toBe(200);
  });

  it("Vector C's escaped body with its correct signature is accepted and the emoji stored decoded", async () => {
    const response = await handle(webhookPost(VECTOR_C, { signature: C_RIGHT }));
    expect(response.statusCode).toBe(200);
    const items = await scanAll(tableName);
    const target = items.find((item) =>
      String(item.pk).includes("MjU3MTk2NTM1MTc2ODEyNjc3ODU1OTgyNDA1ODUwOTkyMAZDZD"),
    );
    expect(target?.reactions).toEqual({
      "3416870925138842": { reaction: "love", emoji: "\u2764\ufe0f", at: 1773152126410 },
    });
  });

  it("a base64-encoded body (isBase64Encoded) is decoded to its raw bytes before hashing", async () => {
    const body = Buffer.from(fixtureText("ig-message-text.json"), "utf8");
    const response = await handle(
      webhookPost(body, {
        signature: "sha256=c2a4e378fceec0ef0a9f2c2e876e9ef826e0d73c09aeab54bdcd878479b7172f",
      }),
    );
    expect(response.statusCode).toBe(200);
  });
});
