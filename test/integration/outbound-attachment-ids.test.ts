import { DeleteMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ACCOUNT, type MetaSimulator, startMetaSimulator } from "../../dev/meta-simulator/index";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { dynamoErasureStore } from "../../lambdas/adapters/dynamo/erasure";
import { Paths } from "../../lambdas/contract/routes";
import type { Integration } from "../../lambdas/domain/integration";
import { sealToken } from "../../lambdas/domain/token-seal";
import { ACCOUNTS } from "../support/connect-harness";
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
  receiveRecords,
  seedConversation,
} from "../support/outbound-harness";
import { tableItems } from "../support/table-scan";

type SqsHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;
type Tenant = { imoId: string; userId: string };

/**
 * Issue 16, reusable attachments: a Facebook Login integration uploads media once through its Page's
 * `message_attachments` (Messenger API for Instagram) and sends it by Meta's `attachment_id`; the id is stored per
 * organisation and account, checked at accept (another account's or organisation's id, a wrong type: 400, nothing
 * queued), and leaves with a disconnect or a data deletion.
 */
const IMAGE = "https://cdn.example/finished-work.jpg";
const PDF = "https://cdn.example/price-list.pdf";
const SECOND_PAGE = { id: "104900000000001", igAccountId: ACCOUNTS.second.igId };

let sim: MetaSimulator;
let tableName: string;
let queueUrl: string;
const h: Record<string, HttpHandler> = {};
let sender: SqsHandler;
let n = 0;

beforeAll(async () => {
  sim = await startMetaSimulator({
    appId: FAKE.appId,
    appSecret: FAKE.igAppSecret,
    accounts: [DEFAULT_ACCOUNT, ACCOUNTS.second, ACCOUNTS.creator],
    facebookAppId: FB_APP.appId,
    facebookAppSecret: FB_APP.appSecret,
    facebookUsers: [FB_USERS.onePage, FB_USERS.severalPages],
    media: {
      [IMAGE]: { contentType: "image/jpeg", bytes: 120_000 },
      [PDF]: { contentType: "application/pdf", bytes: 40_000 },
    },
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
  for (const name of [
    "attachment-upload",
    "message-send",
    "message-get",
    "integration-delete",
    "ice-breakers-put",
  ]) {
    h[name] = (await import(`../../lambdas/handlers/${name}.ts`)).handler as HttpHandler;
  }
  sender = (await import("../../lambdas/handlers/sender")).handler as unknown as SqsHandler;
});

afterAll(async () => {
  await sim.stop();
});

/** A tenant with a Facebook Login integration on `page` (a fresh Page token) and an open window with a customer. */
async function scenario(
  page: { id: string; igAccountId: string } = ONE_PAGE,
  user: { id: string } = FB_USERS.onePage,
) {
  n += 1;
  const tenant = { imoId: `imo-att-${n}`, userId: `user-att-${n}` };
  const igsid = String(3_416_870_900_003_000 + n);
  const token = sim.facebook.issuePageToken({ pageId: page.id, userId: user.id });
  const now = Date.now();
  const integration: Integration = {
    ...tenant,
    igAccountId: page.igAccountId,
    appScopedUserId: user.id,
    facebookUserId: user.id,
    loginFlavour: "facebook",
    page: { id: page.id, name: "Page" },
    username: "riviera.linen.studio",
    status: "connected",
    token: sealToken(token, TEST_KEYS, { ...tenant, igAccountId: page.igAccountId }),
    tokenIssuedAt: now,
    connectedAt: now,
    updatedAt: now,
    version: 1,
  };
  await putIntegration(tableName, integration);
  sim.openWindow({ igAccountId: page.igAccountId, igsid });
  await seedConversation(tableName, now - 60_000, {
    imoId: tenant.imoId,
    igAccountId: page.igAccountId,
    igsid,
  });
  return { tenant, igsid, page };
}

const upload = (tenant: Tenant, body: unknown) =>
  (h["attachment-upload"] as HttpHandler)(
    httpEvent({
      method: "POST",
      route: Paths.attachments,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      claims: claimsOf(tenant),
    }),
    lambdaContext(),
  );
const bodyOf = (r: { body?: string }) => JSON.parse(r.body ?? "{}");
const attachmentItems = async () =>
  (await tableItems(tableName)).filter((i) => String(i.pk).startsWith("ATTACH#"));
const uploadCalls = () => sim.requests().filter((r) => r.path.endsWith("/message_attachments"));

/** Runs the sender on what the queue holds, as the event source would (one record at a time). */
async function drain() {
  for (let tries = 0; tries < 10; tries++) {
    const records = await receiveRecords(queueUrl, 1);
    if (records.length === 0) return;
    expect((await sender({ Records: records }, lambdaContext("sender"))).batchItemFailures).toEqual([]);
    for (const record of records) {
      await localSqs().send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }),
      );
    }
  }
}

describe("POST /instagram/attachments (Facebook Login: the Page's message_attachments)", () => {
  it("uploads once through the Page with Meta's documented body, stores Meta's id for the account, sends it by id", async () => {
    const s = await scenario();
    const uploaded = await upload(s.tenant, { type: "image", url: IMAGE });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const answer = bodyOf(uploaded);
    expect(answer).toMatchObject({ type: "image", attachmentId: expect.stringMatching(/^\d+$/) });
    expect(Date.parse(answer.expiresAt) - Date.parse(answer.createdAt)).toBe(90 * 24 * 3600 * 1000);
    const call = uploadCalls().at(-1);
    expect(call?.path).toBe(`/v25.0/${ONE_PAGE.id}/message_attachments`);
    expect(call?.hasBearer).toBe(true);
    expect(call?.json).toEqual({
      platform: "instagram",
      message: { attachment: { type: "image", payload: { url: IMAGE, is_reusable: true } } },
    });
    expect(sim.uploadedAttachments().at(-1)).toMatchObject({
      attachmentId: answer.attachmentId,
      pageId: ONE_PAGE.id,
    });
    const items = (await attachmentItems()).filter((i) => i.imoId === s.tenant.imoId);
    expect(items).toEqual([
      expect.objectContaining({
        pk: `ATTACH#${s.tenant.imoId}#${ONE_PAGE.igAccountId}`,
        attachmentId: answer.attachmentId,
        type: "image",
        url: IMAGE,
        pageId: ONE_PAGE.id,
      }),
    ]);
    // The stored item carries no token.
    expect(JSON.stringify(items)).not.toMatch(/token/i);

    // Twice by the same id: Meta's upload is not repeated; each send carries `payload: {attachment_id}`.
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const accepted = await postMessage(
        h["message-send"] as HttpHandler,
        { recipientId: s.igsid, attachments: [{ type: "image", attachmentId: answer.attachmentId }] },
        { tenant: s.tenant },
      );
      expect(accepted.statusCode, accepted.body).toBe(202);
      ids.push(bodyOf(accepted).messageId);
      await drain();
    }
    const sends = sim
      .requests()
      .filter((r) => r.path === `/v25.0/${ONE_PAGE.id}/messages` && r.status === 200);
    expect(sends.slice(-2).map((r) => r.json)).toEqual([
      {
        recipient: { id: s.igsid },
        message: { attachment: { type: "image", payload: { attachment_id: answer.attachmentId } } },
      },
      {
        recipient: { id: s.igsid },
        message: { attachment: { type: "image", payload: { attachment_id: answer.attachmentId } } },
      },
    ]);
    expect(uploadCalls().filter((r) => r.path.includes(ONE_PAGE.id))).toHaveLength(1);
    const seen = sim.sentMessages(ONE_PAGE.igAccountId).filter((m) => m.recipientId === s.igsid);
    expect(seen.map((m) => m.rich)).toEqual([
      { kind: "saved_attachment", attachmentId: answer.attachmentId, type: "image", url: IMAGE },
      { kind: "saved_attachment", attachmentId: answer.attachmentId, type: "image", url: IMAGE },
    ]);
    for (const id of ids) {
      expect(bodyOf(await getMessage(h["message-get"] as HttpHandler, id, s.tenant))).toMatchObject({
        status: "sent",
      });
    }
  });

  it("an id of another account or another organisation, or of another type: 400 naming the field, nothing queued", async () => {
    const owner = await scenario();
    const mine = bodyOf(await upload(owner.tenant, { type: "image", url: IMAGE })).attachmentId as string;
    const other = await scenario(SECOND_PAGE, FB_USERS.severalPages);
    // Another organisation with the very same account and Page: ids are kept per organisation.
    const sameAccount = await scenario();
    const before = (await tableItems(tableName)).length;
    const send = (s: { tenant: Tenant; igsid: string }, attachment: unknown) =>
      postMessage(
        h["message-send"] as HttpHandler,
        { recipientId: s.igsid, attachments: [attachment] },
        { tenant: s.tenant },
      );

    for (const s of [other, sameAccount]) {
      const refused = await send(s, { type: "image", attachmentId: mine });
      expect(refused.statusCode).toBe(400);
      expect(bodyOf(refused).errors).toEqual([
        { field: "body.attachments.0.attachmentId", message: "Not an attachment uploaded for this account" },
      ]);
    }
    const wrongType = await send(owner, { type: "video", attachmentId: mine });
    expect(wrongType.statusCode).toBe(400);
    expect(bodyOf(wrongType).errors).toEqual([
      { field: "body.attachments.0.type", message: "This attachment was uploaded as image" },
    ]);
    const neverIssued = await send(owner, { type: "image", attachmentId: "999999999" });
    expect(bodyOf(neverIssued).errors?.[0]?.field).toBe("body.attachments.0.attachmentId");
    // A saved id goes alone: not mixed with other media.
    const mixed = await postMessage(
      h["message-send"] as HttpHandler,
      {
        recipientId: owner.igsid,
        attachments: [
          { type: "image", url: IMAGE },
          { type: "image", attachmentId: mine },
        ],
      },
      { tenant: owner.tenant },
    );
    expect(mixed.statusCode).toBe(400);
    expect(bodyOf(mixed).errors?.[0]?.field).toBe("body.attachments.1.attachmentId");

    // Nothing stored, nothing queued.
    expect((await tableItems(tableName)).length).toBe(before);
    expect(await receiveRecords(queueUrl, 10)).toEqual([]);
  });

  it("the simulator itself refuses an attachment_id another Page was issued (Meta's side of the same rule)", async () => {
    const owner = await scenario();
    const mine = bodyOf(await upload(owner.tenant, { type: "image", url: IMAGE })).attachmentId as string;
    const token = sim.facebook.issuePageToken({ pageId: SECOND_PAGE.id, userId: FB_USERS.severalPages.id });
    sim.openWindow({ igAccountId: SECOND_PAGE.igAccountId, igsid: "3416870900009999" });
    const answer = await fetch(`${sim.url}/v25.0/${SECOND_PAGE.id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        recipient: { id: "3416870900009999" },
        message: { attachment: { type: "image", payload: { attachment_id: mine } } },
      }),
    });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: { code: number } }).error.code).toBe(100);
  });

  it("Meta refuses the media (unreachable url): 422 with a clear code, nothing stored", async () => {
    const s = await scenario();
    const before = (await attachmentItems()).length;
    const refused = await upload(s.tenant, { type: "image", url: "https://cdn.example/missing.jpg" });
    expect(refused.statusCode).toBe(422);
    expect(bodyOf(refused)).toMatchObject({ code: "attachments.upload_refused" });
    // A format Meta does not take for the type (a PDF as an image).
    const wrongFormat = await upload(s.tenant, { type: "image", url: PDF });
    expect(bodyOf(wrongFormat)).toMatchObject({ code: "attachments.upload_refused" });
    // Meta down: 503, retry later; the token refused: reconnect.
    sim.injectFault({ kind: "server_error", target: "attachment_upload" });
    expect(bodyOf(await upload(s.tenant, { type: "image", url: IMAGE }))).toMatchObject({
      code: "dependency.unavailable",
    });
    sim.injectFault({ kind: "token_expired", target: "attachment_upload" });
    expect(bodyOf(await upload(s.tenant, { type: "image", url: IMAGE }))).toMatchObject({
      code: "integration.needs_reauth",
    });
    expect((await attachmentItems()).length).toBe(before);
    // No answer ever carries the token.
    expect(refused.body).not.toMatch(/EAA|token=/);
  });

  it("a disconnect removes the account's ids; a data deletion erases them too (table scan)", async () => {
    const a = await scenario();
    const b = await scenario();
    await upload(a.tenant, { type: "image", url: IMAGE });
    await upload(a.tenant, { type: "file", url: PDF });
    await upload(b.tenant, { type: "image", url: IMAGE });
    const ofTenant = async (t: Tenant) => (await attachmentItems()).filter((i) => i.imoId === t.imoId);
    expect(await ofTenant(a.tenant)).toHaveLength(2);

    const disconnected = await (h["integration-delete"] as HttpHandler)(
      httpEvent({ method: "DELETE", route: "/instagram/integration", claims: claimsOf(a.tenant) }),
      lambdaContext(),
    );
    expect(disconnected.statusCode).toBe(204);
    expect(await ofTenant(a.tenant)).toEqual([]);
    // The other organisation's ids of the same account are theirs.
    expect(await ofTenant(b.tenant)).toHaveLength(1);

    // Data deletion's erasure of the account's data in b's organisation leaves no attachment item behind.
    const erasure = dynamoErasureStore(documentClient(), tableName);
    const result = await erasure.eraseAccountData(b.tenant.imoId, ONE_PAGE.igAccountId, () => false);
    expect(result.done).toBe(true);
    expect(await ofTenant(b.tenant)).toEqual([]);
  });

  it("Instagram Login keeps the documented 409 and never calls Meta", async () => {
    const tenant = { imoId: "imo-att-igl", userId: "user-att-igl" };
    const { seedIntegration } = await import("../support/outbound-harness");
    await seedIntegration(tableName, { token: sim.issueToken(), tenant });
    const before = uploadCalls().length;
    const refused = await upload(tenant, { type: "image", url: IMAGE });
    expect(refused.statusCode).toBe(409);
    expect(bodyOf(refused)).toMatchObject({ code: "attachments.unsupported_for_login_flavour" });
    expect(uploadCalls().length).toBe(before);
  });
});

describe("disconnect of a Facebook Login integration", () => {
  it("removes ice breakers and menu set through the Page (platform=instagram), at Meta, before the unsubscribe", async () => {
    // A Page no other test uses, so no other organisation still holds its account.
    const creatorPage = { id: "104900000000003", igAccountId: ACCOUNTS.creator.igId };
    const s = await scenario(creatorPage, FB_USERS.severalPages);
    const iceBreakers = [
      { locale: "default", questions: [{ question: "Opening hours?", payload: "HOURS" }] },
    ];
    const put = await (h["ice-breakers-put"] as HttpHandler)(
      httpEvent({
        method: "PUT",
        route: Paths.iceBreakers,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ iceBreakers }),
        claims: claimsOf(s.tenant),
      }),
      lambdaContext(),
    );
    expect(put.statusCode, put.body).toBe(200);
    expect(sim.messengerProfile(creatorPage.igAccountId).ice_breakers).toHaveLength(1);
    const before = sim.requests().length;
    const response = await (h["integration-delete"] as HttpHandler)(
      httpEvent({ method: "DELETE", route: "/instagram/integration", claims: claimsOf(s.tenant) }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(204);
    expect(sim.messengerProfile(creatorPage.igAccountId)).toEqual({});
    const deletes = sim
      .requests()
      .slice(before)
      .filter((r) => r.method === "DELETE")
      .map((r) => [r.path, r.query.platform, r.status]);
    expect(deletes).toEqual([
      [`/v25.0/${creatorPage.id}/messenger_profile`, "instagram", 200],
      [`/v25.0/${creatorPage.id}/messenger_profile`, "instagram", 200],
      [`/v25.0/${creatorPage.id}/subscribed_apps`, undefined, 200],
    ]);
  });
});
