import { PutCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetaSimulator, startMetaSimulator } from "../../dev/meta-simulator/index";
import { echoMessageOf, type RichContent } from "../../dev/meta-simulator/rich-messages";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { Paths } from "../../lambdas/contract/routes";
import { conversationId } from "../../lambdas/domain/conversation";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { freshQueues, freshTable } from "../support/local-aws";
import {
  ACCOUNT,
  claimsOf,
  type HttpHandler,
  itemsOf,
  postMessage,
  readItem,
  receiveRecords,
  seedConversation,
  seedIntegration,
} from "../support/outbound-harness";
import { deliveryOf, fromBusiness, webhookPost } from "../support/webhook-fixtures";

type SqsHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

/*
 * Rich replies through the whole pipe (docs/outbound.md, "Kinds"): accepted by the API, stored, sent by the
 * sender with exactly the body Meta documents (read from the simulator's request log, which also validates
 * every limit), shown by the messages route, and their echoes matched without a second message.
 */
describe("rich replies against DynamoDB Local, the local SQS server and the Meta simulator", () => {
  let sim: MetaSimulator;
  let tableName: string;
  let queueUrl: string;
  let accept: HttpHandler;
  let listMessages: HttpHandler;
  let webhook: HttpHandler;
  let sender: SqsHandler;
  let upload: HttpHandler;
  let scenarioCount = 0;

  beforeAll(async () => {
    sim = await startMetaSimulator({ appId: FAKE.appId, appSecret: FAKE.igAppSecret });
    tableName = await freshTable();
    const queues = await freshQueues();
    queueUrl = queues.queueUrl;
    setHandlerEnv({
      tableName,
      OUTBOUND_QUEUE_URL: queueUrl,
      OUTBOUND_DLQ_URL: queues.dlqUrl,
      INSTAGRAM_GRAPH_URL: sim.url,
    });
    accept = (await import("../../lambdas/handlers/message-send")).handler as HttpHandler;
    listMessages = (await import("../../lambdas/handlers/conversation-messages")).handler as HttpHandler;
    webhook = (await import("../../lambdas/handlers/webhook-receive")).handler as HttpHandler;
    sender = (await import("../../lambdas/handlers/sender")).handler as unknown as SqsHandler;
    upload = (await import("../../lambdas/handlers/attachment-upload")).handler as HttpHandler;
  });

  afterAll(async () => {
    await sim.stop();
  });

  async function scenario() {
    scenarioCount += 1;
    const tenant = { imoId: `imo-r${scenarioCount}`, userId: `user-r${scenarioCount}` };
    const igsid = String(3_416_870_900_002_000 + scenarioCount);
    await seedIntegration(tableName, { token: sim.issueToken(), tenant });
    sim.openWindow({ igsid });
    await seedConversation(tableName, Date.now() - 60_000, { imoId: tenant.imoId, igsid });
    return { tenant, igsid, conversationId: conversationId(ACCOUNT, igsid) };
  }
  type Scenario = Awaited<ReturnType<typeof scenario>>;

  /** A customer message the simulator knows (so Meta can reply to it), stored as the webhook would store it. */
  async function customerMessage(s: Scenario, text: string): Promise<string> {
    const { mid } = await sim.sendCustomerMessage({ igsid: s.igsid, text });
    await documentClient().send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...Keys.message(s.tenant.imoId, mid),
          ...Keys.conversationMessages(s.tenant.imoId, ACCOUNT, s.igsid),
          gsi1sk: `${new Date().toISOString()}#${mid}`,
          entity: "message",
          imoId: s.tenant.imoId,
          igAccountId: ACCOUNT,
          igsid: s.igsid,
          messageId: mid,
          mid,
          direction: "inbound",
          source: "customer",
          sentAt: Date.now(),
          text,
        },
      }),
    );
    return mid;
  }

  /** Accepts through the API and runs the sender on its queue record; returns our id and Meta's request body. */
  async function sendThrough(s: Scenario, content: Record<string, unknown>) {
    const response = await postMessage(accept, { recipientId: s.igsid, ...content }, { tenant: s.tenant });
    expect(response.statusCode, response.body).toBe(202);
    const { messageId } = JSON.parse(response.body ?? "{}") as { messageId: string };
    const records = await receiveRecords(queueUrl);
    const record = records.find((r) => JSON.parse(r.body).messageId === messageId);
    if (record === undefined) throw new Error("record not received");
    expect(
      (await sender({ Records: [record] as SQSRecord[] }, lambdaContext("sender"))).batchItemFailures,
    ).toEqual([]);
    const sent = sim.requests().filter((r) => r.method === "POST" && r.path.endsWith("/messages"));
    const body = sent.filter((r) => (r.json as { recipient?: { id?: string } }).recipient?.id === s.igsid);
    return { messageId, metaBody: body[body.length - 1]?.json, status: body[body.length - 1]?.status };
  }

  async function messagesOf(s: Scenario) {
    const response = await listMessages(
      httpEvent({
        method: "GET",
        route: Paths.conversationMessages,
        path: `/instagram/conversations/${s.conversationId}/messages`,
        pathParameters: { conversationId: s.conversationId },
        claims: claimsOf(s.tenant),
      }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(200);
    return (JSON.parse(response.body ?? "{}") as { items: Record<string, unknown>[] }).items;
  }

  const IMAGE_A = "https://cdn.example/a.jpg";
  const IMAGE_B = "https://cdn.example/b.png";

  /** Per kind: the API body, Meta's documented body for it, and the kind the messages route shows. */
  const KINDS: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
    [
      "text with quick replies of all three kinds (quick-replies page)",
      {
        text: "Which size?",
        quickReplies: [
          { title: "Small", payload: "SIZE_S" },
          { type: "text", title: "Large" },
          { type: "phone" },
          { type: "email" },
        ],
      },
      {
        text: "Which size?",
        quick_replies: [
          { content_type: "text", title: "Small", payload: "SIZE_S" },
          { content_type: "text", title: "Large" },
          { content_type: "user_phone_number" },
          { content_type: "user_email" },
        ],
      },
      "text",
    ],
    [
      "several images in one message (send-message page)",
      {
        attachments: [
          { type: "image", url: IMAGE_A },
          { type: "image", url: IMAGE_B },
        ],
      },
      {
        attachments: [
          { type: "image", payload: { url: IMAGE_A } },
          { type: "image", payload: { url: IMAGE_B } },
        ],
      },
      "images",
    ],
    [
      "one media through attachments[] is the single-attachment body",
      { attachments: [{ type: "image", url: IMAGE_A }] },
      { attachment: { type: "image", payload: { url: IMAGE_A } } },
      "attachment",
    ],
    ["the heart sticker", { sticker: "like_heart" }, { attachment: { type: "like_heart" } }, "sticker"],
    [
      "a post of the account (MEDIA_SHARE)",
      { share: { postId: "18012345678901234" } },
      { attachment: { type: "MEDIA_SHARE", payload: { id: "18012345678901234" } } },
      "share",
    ],
    [
      "a button template (button-template page)",
      {
        template: {
          type: "button",
          text: "Book the fitting?",
          buttons: [
            { type: "postback", title: "Yes, book it", payload: "BOOK_YES" },
            { type: "web_url", title: "See times", url: "https://shop.example/times" },
          ],
        },
      },
      {
        attachment: {
          type: "template",
          payload: {
            template_type: "button",
            text: "Book the fitting?",
            buttons: [
              { type: "postback", title: "Yes, book it", payload: "BOOK_YES" },
              { type: "web_url", url: "https://shop.example/times", title: "See times" },
            ],
          },
        },
      },
      "button_template",
    ],
    [
      "a generic template (generic-template page)",
      {
        template: {
          type: "generic",
          elements: [
            {
              title: "Linen shirt",
              subtitle: "Size M, sand",
              imageUrl: IMAGE_A,
              defaultActionUrl: "https://shop.example/p/1",
              buttons: [{ type: "postback", title: "Buy", payload: "BUY_1" }],
            },
            { title: "Linen trousers" },
          ],
        },
      },
      {
        attachment: {
          type: "template",
          payload: {
            template_type: "generic",
            elements: [
              {
                title: "Linen shirt",
                subtitle: "Size M, sand",
                image_url: IMAGE_A,
                default_action: { type: "web_url", url: "https://shop.example/p/1" },
                buttons: [{ type: "postback", title: "Buy", payload: "BUY_1" }],
              },
              { title: "Linen trousers" },
            ],
          },
        },
      },
      "generic_template",
    ],
  ];

  it.each(KINDS)(
    "%s: sent with Meta's documented body, shown with its kind, its echo matched once",
    async (_name, apiBody, metaMessage, kind) => {
      const s = await scenario();
      const { messageId, metaBody, status } = await sendThrough(s, apiBody);
      expect(metaBody).toEqual({ recipient: { id: s.igsid }, message: metaMessage });
      expect(status).toBe(200);
      const item = await readItem(tableName, Keys.message(s.tenant.imoId, messageId));
      const [sent] = sim.sentMessages().filter((m) => m.recipientId === s.igsid);
      expect(item).toMatchObject({ status: "sent", mid: sent?.messageId });

      // The echo Meta delivers for it (the simulator's own echo body) is matched to our record, not stored again.
      const mid = String(sent?.messageId);
      const echo = sent?.rich
        ? echoMessageOf(mid, sent.rich as RichContent)
        : { mid, is_echo: true, attachments: [{ type: "image", payload: { url: IMAGE_A } }] };
      const delivered = await webhook(
        webhookPost(deliveryOf([fromBusiness(Date.now(), { message: echo }, s.igsid)])),
        lambdaContext("webhook-receive"),
      );
      expect(delivered.statusCode).toBe(200);
      expect(await readItem(tableName, Keys.message(s.tenant.imoId, mid))).toBeUndefined();
      const outbound = (await messagesOf(s)).filter((m) => m.direction === "outbound");
      expect(outbound).toHaveLength(1);
      expect(outbound[0]).toMatchObject({ messageId, mid, status: "sent", source: "api" });
      if (kind !== "attachment") expect(outbound[0]?.rich).toMatchObject({ kind });
      expect((await readItem(tableName, Keys.message(s.tenant.imoId, messageId)))?.echoedAt).toEqual(
        expect.any(Number),
      );
    },
  );

  it("a reply to a customer message sends Meta's mid as reply_to and shows our id of it", async () => {
    const s = await scenario();
    const mid = await customerMessage(s, "Is the sand one in stock?");
    const { messageId, metaBody } = await sendThrough(s, { text: "It is!", replyTo: mid });
    expect(metaBody).toEqual({ recipient: { id: s.igsid }, message: { text: "It is!", reply_to: { mid } } });
    const shown = (await messagesOf(s)).find((m) => m.messageId === messageId);
    expect(shown).toMatchObject({ replyToMid: mid, rich: { kind: "text", replyToMessageId: mid } });
  });

  it("replyTo naming another conversation's or another tenant's message is 400 and nothing is stored", async () => {
    const s = await scenario();
    const otherTenant = await scenario();
    const otherTenantsMid = await customerMessage(otherTenant, "theirs");
    // Same tenant and account, another customer: not a message of this conversation.
    const otherCustomer = { ...s, igsid: String(Number(s.igsid) + 500) };
    const otherConversationsMid = await customerMessage(otherCustomer, "another thread");
    const before = (await itemsOf(tableName, "message")).length;
    for (const replyTo of [otherTenantsMid, otherConversationsMid, "not-a-stored-message"]) {
      const response = await postMessage(
        accept,
        { recipientId: s.igsid, text: "hi", replyTo },
        { tenant: s.tenant },
      );
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body ?? "{}").errors).toEqual([
        { field: "body.replyTo", message: "Not a customer message of this conversation" },
      ]);
    }
    expect((await itemsOf(tableName, "message")).length).toBe(before);
    expect(await receiveRecords(queueUrl)).toEqual([]);
  });

  it("a limit broken at accept is 400 naming the field; nothing is stored or queued", async () => {
    const s = await scenario();
    const before = (await itemsOf(tableName, "message")).length;
    const response = await postMessage(
      accept,
      {
        recipientId: s.igsid,
        template: {
          type: "button",
          text: "Pick",
          buttons: ["a", "b", "c", "d"].map((t) => ({ type: "postback", title: t, payload: t })),
        },
      },
      { tenant: s.tenant },
    );
    expect(response.statusCode).toBe(400);
    expect(response.headers?.["content-type"]).toContain("application/problem+json");
    expect(JSON.parse(response.body ?? "{}").errors).toEqual([
      { field: "body.template.buttons", message: "At most 3 (Meta's limit); this has 4" },
    ]);
    expect((await itemsOf(tableName, "message")).length).toBe(before);
    expect(await receiveRecords(queueUrl)).toEqual([]);
  });

  it("the same Idempotency-Key with another template is refused (422): rich fields are part of the hash", async () => {
    const s = await scenario();
    const template = (payload: string) => ({
      type: "button",
      text: "Pick",
      buttons: [{ type: "postback", title: "Yes", payload }],
    });
    const first = await postMessage(
      accept,
      { recipientId: s.igsid, template: template("A") },
      { tenant: s.tenant, key: "rich-key-1" },
    );
    expect(first.statusCode).toBe(202);
    const again = await postMessage(
      accept,
      { recipientId: s.igsid, template: template("A") },
      { tenant: s.tenant, key: "rich-key-1" },
    );
    expect(JSON.parse(again.body ?? "{}")).toEqual(JSON.parse(first.body ?? "{}"));
    const other = await postMessage(
      accept,
      { recipientId: s.igsid, template: template("B") },
      { tenant: s.tenant, key: "rich-key-1" },
    );
    expect(other.statusCode).toBe(422);
    await receiveRecords(queueUrl); // drain
  });

  it("attachment upload: Instagram Login is refused with a documented 409, nothing reaches Meta", async () => {
    const s = await scenario();
    const post = (tenant: { imoId: string; userId: string }, body: unknown) =>
      upload(
        httpEvent({
          method: "POST",
          route: Paths.attachments,
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
          claims: claimsOf(tenant),
        }),
        lambdaContext(),
      );
    const requestsBefore = sim.requests().length;
    const refused = await post(s.tenant, { type: "image", url: IMAGE_A });
    expect(refused.statusCode).toBe(409);
    expect(JSON.parse(refused.body ?? "{}")).toMatchObject({
      code: "attachments.unsupported_for_login_flavour",
    });
    const stranger = await post({ imoId: "imo-none", userId: "none" }, { type: "image", url: IMAGE_A });
    expect(JSON.parse(stranger.body ?? "{}")).toMatchObject({ code: "integration.not_connected" });
    expect((await post(s.tenant, { type: "image", url: "http://cdn.example/a.jpg" })).statusCode).toBe(400);
    expect(sim.requests().length).toBe(requestsBefore);
    // And an attachment id never uploaded for this account (Instagram Login has no upload): 400, nothing stored.
    const byId = await postMessage(
      accept,
      { recipientId: s.igsid, attachments: [{ type: "image", attachmentId: "123" }] },
      { tenant: s.tenant },
    );
    expect(byId.statusCode).toBe(400);
    expect(JSON.parse(byId.body ?? "{}").errors?.[0]?.field).toBe("body.attachments.0.attachmentId");
  });
});
