import { DeleteMessageCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import {
  dynamoConversationWindows,
  dynamoIntegrationAccess,
  dynamoReplyTargets,
} from "../../lambdas/adapters/dynamo/outbound-lookups";
import { dynamoOutboundStore } from "../../lambdas/adapters/dynamo/outbound-messages";
import { sqsOutboundQueue } from "../../lambdas/adapters/sqs/outbound-queue";
import { AppError } from "../../lambdas/domain/errors";
import { acceptMessage } from "../../lambdas/domain/outbound/accept";
import { setHandlerEnv } from "../support/handler-env";
import { freshQueues, freshTable, localSqs } from "../support/local-aws";
import {
  ACCOUNT,
  CONVERSATION,
  CUSTOMER,
  getMessage,
  type HttpHandler,
  itemsOf,
  OWNER,
  postMessage,
  readItem,
  receiveRecords,
  seedConversation,
  seedIntegration,
} from "../support/outbound-harness";

const HOUR = 3600_000;

describe("POST /instagram/messages and GET /instagram/messages/{id} (DynamoDB Local, local SQS)", () => {
  let tableName: string;
  let queueUrl: string;
  let send: HttpHandler;
  let get: HttpHandler;

  async function queueDepth(): Promise<number> {
    const attributes = await localSqs().send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    return (
      Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }

  beforeAll(async () => {
    tableName = await freshTable();
    ({ queueUrl } = await freshQueues());
    setHandlerEnv({ tableName, OUTBOUND_QUEUE_URL: queueUrl, HUMAN_AGENT_ENABLED: "true" });
    send = (await import("../../lambdas/handlers/message-send")).handler as HttpHandler;
    get = (await import("../../lambdas/handlers/message-get")).handler as HttpHandler;
    await seedIntegration(tableName, { token: "IGAAT4JuXFtestTokenForOutbound0000ZDZD" });
    await seedConversation(tableName, Date.now() - HOUR);
  });

  /** Receives and deletes what is visible (so the conversation's FIFO group is not left locked). */
  async function take() {
    const records = await receiveRecords(queueUrl);
    for (const record of records) {
      await localSqs().send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }),
      );
    }
    return records;
  }

  beforeEach(async () => {
    // Drain whatever the previous test enqueued, so each test counts its own records.
    while ((await take()).length > 0) {
      /* keep draining */
    }
  });

  it("accepts a text reply: 202 {messageId, status: queued}, stored queued, enqueued in the conversation's group", async () => {
    const response = await postMessage(send, { conversationId: CONVERSATION, text: "Size M is in stock." });
    expect(response.statusCode).toBe(202);
    const body = JSON.parse(response.body ?? "{}");
    expect(body).toEqual({ messageId: expect.any(String), status: "queued" });

    const item = await readItem(tableName, Keys.message(OWNER.imoId, body.messageId));
    expect(item).toMatchObject({
      direction: "outbound",
      source: "api",
      status: "queued",
      userId: OWNER.userId,
      igAccountId: ACCOUNT,
      igsid: CUSTOMER,
      text: "Size M is in stock.",
      gsi1pk: Keys.conversationMessages(OWNER.imoId, ACCOUNT, CUSTOMER).gsi1pk,
    });
    const records = await take();
    expect(records).toHaveLength(1);
    // Keys only, never content: the sender reads message, integration, conversation and limiter in one batch.
    expect(JSON.parse(records[0]?.body ?? "{}")).toEqual({
      imoId: OWNER.imoId,
      messageId: body.messageId,
      userId: OWNER.userId,
      igAccountId: ACCOUNT,
      igsid: CUSTOMER,
    });
    expect(records[0]?.attributes.MessageGroupId).toBe(CONVERSATION);

    const status = await getMessage(get, body.messageId);
    expect(status.statusCode).toBe(200);
    expect(JSON.parse(status.body ?? "{}")).toMatchObject({
      messageId: body.messageId,
      conversationId: CONVERSATION,
      status: "queued",
      acceptedAt: expect.any(String),
    });
  });

  it("accepts an attachment addressed by recipientId", async () => {
    const response = await postMessage(send, {
      recipientId: CUSTOMER,
      attachment: { type: "image", url: "https://cdn.example.com/p.jpg" },
    });
    expect(response.statusCode).toBe(202);
    const { messageId } = JSON.parse(response.body ?? "{}");
    expect(await readItem(tableName, Keys.message(OWNER.imoId, messageId))).toMatchObject({
      attachments: [{ type: "image", url: "https://cdn.example.com/p.jpg" }],
    });
  });

  it.each([
    ["no recipient", { text: "hi" }, "body.conversationId"],
    [
      "both recipients",
      { conversationId: CONVERSATION, recipientId: CUSTOMER, text: "hi" },
      "body.conversationId",
    ],
    ["no content", { conversationId: CONVERSATION }, "body.text"],
    [
      "text and attachment",
      { conversationId: CONVERSATION, text: "x", attachment: { type: "image", url: "https://a.b/c" } },
      "body.text",
    ],
    ["empty text", { conversationId: CONVERSATION, text: "" }, "body.text"],
    ["text over Meta's limit", { conversationId: CONVERSATION, text: "x".repeat(1001) }, "body.text"],
    [
      "http attachment",
      { conversationId: CONVERSATION, attachment: { type: "image", url: "http://a.b/c.jpg" } },
      "body.attachment.url",
    ],
    [
      "unknown attachment type",
      { conversationId: CONVERSATION, attachment: { type: "sticker", url: "https://a.b/c" } },
      "body.attachment.type",
    ],
    ["malformed conversation id", { conversationId: "abc", text: "hi" }, "body.conversationId"],
    ["unknown tag", { conversationId: CONVERSATION, text: "hi", tag: "POST_PURCHASE_UPDATE" }, "body.tag"],
    ["unknown field", { conversationId: CONVERSATION, text: "hi", extra: 1 }, "body"],
  ])("400 with field-level problem+json, nothing stored or enqueued: %s", async (_name, body, field) => {
    const before = (await itemsOf(tableName, "message")).length;
    const response = await postMessage(send, body);
    expect(response.statusCode).toBe(400);
    expect(response.headers?.["content-type"]).toBe("application/problem+json");
    const problem = JSON.parse(response.body ?? "{}");
    expect(problem.code).toBe("request.invalid");
    expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await itemsOf(tableName, "message")).length).toBe(before);
    expect(await queueDepth()).toBe(0);
  });

  it("text is limited by UTF-8 bytes as Meta counts them: 250 emoji (1000 bytes) pass, 1001 bytes are refused with the count", async () => {
    // 250 four-byte emoji = 1000 bytes, plus one ASCII byte = 1001 bytes, yet only 501 UTF-16 units.
    const tooLong = `${"\u{1F600}".repeat(250)}x`;
    expect(Buffer.byteLength(tooLong, "utf8")).toBe(1001);
    const before = (await itemsOf(tableName, "message")).length;
    const refused = await postMessage(send, { conversationId: CONVERSATION, text: tooLong });
    expect(refused.statusCode).toBe(400);
    const problem = JSON.parse(refused.body ?? "{}");
    expect(problem.errors).toContainEqual(
      expect.objectContaining({ field: "body.text", message: expect.stringContaining("1001 UTF-8 bytes") }),
    );
    expect((await itemsOf(tableName, "message")).length).toBe(before);
    expect(await queueDepth()).toBe(0);

    const fits = await postMessage(send, { conversationId: CONVERSATION, text: "\u{1F600}".repeat(250) });
    expect(fits.statusCode).toBe(202);
  });

  it("400 for a malformed Idempotency-Key; 415 for a non-JSON body", async () => {
    const badKey = await postMessage(
      send,
      { conversationId: CONVERSATION, text: "hi" },
      { key: "has space" },
    );
    expect(badKey.statusCode).toBe(400);
    expect(JSON.parse(badKey.body ?? "{}").errors[0].field).toBe("headers.idempotency-key");
    const form = await postMessage(send, "text=hi", { contentType: "application/x-www-form-urlencoded" });
    expect(form.statusCode).toBe(415);
    expect(await queueDepth()).toBe(0);
  });

  it("409 integration.not_connected without an integration, 409 integration.needs_reauth when it needs one", async () => {
    const stranger = { imoId: OWNER.imoId, userId: "user-without-integration" };
    const none = await postMessage(send, { conversationId: CONVERSATION, text: "hi" }, { tenant: stranger });
    expect(none.statusCode).toBe(409);
    expect(JSON.parse(none.body ?? "{}").code).toBe("integration.not_connected");

    const reauth = { imoId: OWNER.imoId, userId: "user-needs-reauth" };
    await seedIntegration(tableName, {
      token: "IGAAxx",
      status: "needs_reauth",
      tenant: reauth,
      igAccountId: "17841400000000077",
    });
    const refused = await postMessage(send, { recipientId: CUSTOMER, text: "hi" }, { tenant: reauth });
    expect(refused.statusCode).toBe(409);
    expect(JSON.parse(refused.body ?? "{}").code).toBe("integration.needs_reauth");
    expect(await queueDepth()).toBe(0);
  });

  it("409 send.window_closed with when it closed; HUMAN_AGENT (enabled here) extends it to 7 days", async () => {
    const igsid = "3416870900000001";
    const lastAt = Date.now() - 30 * HOUR;
    await seedConversation(tableName, lastAt, { igsid });
    const closed = await postMessage(send, { recipientId: igsid, text: "late" });
    expect(closed.statusCode).toBe(409);
    const problem = JSON.parse(closed.body ?? "{}");
    expect(problem.code).toBe("send.window_closed");
    expect(problem.closedAt).toBe(new Date(lastAt + 24 * HOUR).toISOString());

    const tagged = await postMessage(send, { recipientId: igsid, text: "following up", tag: "HUMAN_AGENT" });
    expect(tagged.statusCode).toBe(202);

    const never = await postMessage(send, { recipientId: "3416870900000002", text: "cold" });
    expect(never.statusCode).toBe(409);
    expect(JSON.parse(never.body ?? "{}").code).toBe("send.window_closed");
  });

  it("404 for a conversation of another account", async () => {
    const response = await postMessage(send, { conversationId: `17841400000000099_${CUSTOMER}`, text: "hi" });
    expect(response.statusCode).toBe(404);
  });

  it("Idempotency-Key: same key + same body → same message (stored once); different body → 422", async () => {
    const body = { conversationId: CONVERSATION, text: "Once only" };
    const first = await postMessage(send, body, { key: "order-42-reply" });
    const again = await postMessage(
      send,
      { text: "Once only", conversationId: CONVERSATION },
      { key: "order-42-reply" },
    );
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    expect(JSON.parse(again.body ?? "{}").messageId).toBe(JSON.parse(first.body ?? "{}").messageId);
    expect((await itemsOf(tableName, "message")).filter((m) => m.text === "Once only")).toHaveLength(1);

    const reused = await postMessage(
      send,
      { conversationId: CONVERSATION, text: "Something else" },
      { key: "order-42-reply" },
    );
    expect(reused.statusCode).toBe(422);
    expect(JSON.parse(reused.body ?? "{}").code).toBe("idempotency.key_reused");

    // Keys belong to their user: another user with the same key gets their own message (or, here, a 409).
    const other = await postMessage(send, body, {
      key: "order-42-reply",
      tenant: { imoId: OWNER.imoId, userId: "u2" },
    });
    expect(other.statusCode).toBe(409);
  });

  it("a crash between storing and enqueueing is repaired by the client's retry with the same key", async () => {
    const access = { db: documentClient(), tableName };
    const deps = {
      store: dynamoOutboundStore(access),
      integrations: dynamoIntegrationAccess(access),
      conversations: dynamoConversationWindows(access),
      replyTargets: dynamoReplyTargets(access),
      newId: () => "crash-between-1",
      now: () => Date.now(),
      humanAgentEnabled: true,
    };
    const body = { conversationId: CONVERSATION, text: "Survives a crash" };
    // The "crash": the process dies inside enqueue, after the store transaction committed.
    const crashing = { enqueue: async () => Promise.reject(new Error("process died")) };
    const store = deps.store;
    const noCompensation = { ...store, markFailed: async () => false };
    await expect(
      acceptMessage(OWNER, body, "crash-key", { ...deps, store: noCompensation, queue: crashing }),
    ).rejects.toBeInstanceOf(AppError);
    expect(await readItem(tableName, Keys.message(OWNER.imoId, "crash-between-1"))).toMatchObject({
      status: "queued",
    });
    expect(await queueDepth()).toBe(0);

    const retry = await postMessage(send, body, { key: "crash-key" });
    expect(retry.statusCode).toBe(202);
    expect(JSON.parse(retry.body ?? "{}")).toEqual({ messageId: "crash-between-1", status: "queued" });
    const records = await take();
    expect(records.map((r) => JSON.parse(r.body).messageId)).toEqual(["crash-between-1"]);
  });

  it("a failed enqueue is answered 503 and the message is marked failed (enqueue_failed), never left stuck", async () => {
    const access = { db: documentClient(), tableName };
    const deps = {
      store: dynamoOutboundStore(access),
      integrations: dynamoIntegrationAccess(access),
      conversations: dynamoConversationWindows(access),
      replyTargets: dynamoReplyTargets(access),
      queue: sqsOutboundQueue(localSqs(), `${queueUrl}-does-not-exist`),
      newId: () => "enqueue-fails-1",
      now: () => Date.now(),
      humanAgentEnabled: true,
    };
    const error = await acceptMessage(
      OWNER,
      { conversationId: CONVERSATION, text: "lost?" },
      undefined,
      deps,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(503);
    expect(await readItem(tableName, Keys.message(OWNER.imoId, "enqueue-fails-1"))).toMatchObject({
      status: "failed",
      failureReason: "enqueue_failed",
    });
  });

  it("GET answers only the message's owner: another user or organisation gets 404", async () => {
    const accepted = await postMessage(send, { conversationId: CONVERSATION, text: "mine" });
    const { messageId } = JSON.parse(accepted.body ?? "{}");
    expect((await getMessage(get, messageId)).statusCode).toBe(200);
    expect(
      (await getMessage(get, messageId, { imoId: OWNER.imoId, userId: "someone-else" })).statusCode,
    ).toBe(404);
    expect((await getMessage(get, messageId, { imoId: "other-org", userId: OWNER.userId })).statusCode).toBe(
      404,
    );
    expect((await getMessage(get, "no-such-message")).statusCode).toBe(404);
    expect((await getMessage(get, "bad id!")).statusCode).toBe(400);
  });
});
