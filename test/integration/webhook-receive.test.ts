import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { setHandlerEnv } from "../support/handler-env";
import { lambdaContext } from "../support/http-event";
import { freshTable } from "../support/local-aws";
import {
  ACCOUNT,
  deliveryOf,
  echo,
  edit,
  fixtureText,
  fromBusiness,
  fromCustomer,
  midOf,
  react,
  read,
  TEXT_MID,
  text,
  unreact,
  unsend,
  webhookPost,
} from "../support/webhook-fixtures";
import { connectIntegration, db, getConversation, getMessage, scanAll } from "../support/webhook-seed";

const IMO = "imo-1";
let tableName: string;
let handle: (event: HttpEvent) => Promise<HttpResult>;
let handleSlowly: (event: HttpEvent) => Promise<HttpResult>;

/** Each test talks to its own customer so conversations never mix. */
let customerCounter = 4_100_000_000_000_000;
function newCustomer(): string {
  customerCounter += 1;
  return String(customerCounter);
}

async function deliver(body: string): Promise<HttpResult> {
  const response = await handle(webhookPost(body));
  expect(response.statusCode).toBe(200);
  return response;
}

beforeAll(async () => {
  tableName = await freshTable();
  setHandlerEnv({ tableName });
  const { handler } = await import("../../lambdas/handlers/webhook-receive");
  handle = (event) => handler(event, lambdaContext("webhook-receive"));
  handleSlowly = (event) =>
    handler(event, { ...lambdaContext("webhook-receive"), getRemainingTimeInMillis: () => 170_000 });
  await connectIntegration(tableName, IMO, ACCOUNT);
});

describe("POST /instagram/webhook stores every event kind as specified", () => {
  it("a text message: the message by mid, and its conversation with window, preview and unread count", async () => {
    const response = await deliver(fixtureText("ig-message-text.json"));
    expect(JSON.parse(response.body ?? "")).toEqual({ received: 1 });
    const customer = "3416870925138842";
    const message = await getMessage(tableName, IMO, TEXT_MID);
    expect(message).toMatchObject({
      ...Keys.message(IMO, TEXT_MID),
      ...Keys.conversationMessages(IMO, ACCOUNT, customer),
      gsi1sk: `${new Date(1773151542491).toISOString()}#${TEXT_MID}`,
      entity: "message",
      imoId: IMO,
      igAccountId: ACCOUNT,
      igsid: customer,
      messageId: TEXT_MID,
      mid: TEXT_MID,
      direction: "inbound",
      source: "customer",
      sentAt: 1773151542491,
      text: "Hi! Do you still have the linen shirt in size M?",
    });
    expect(await getConversation(tableName, IMO, ACCOUNT, customer)).toMatchObject({
      ...Keys.conversation(IMO, ACCOUNT, customer),
      ...Keys.inbox(IMO, ACCOUNT),
      gsi1sk: `${new Date(1773151542491).toISOString()}#${customer}`,
      entity: "conversation",
      lastActivityAt: 1773151542491,
      lastCustomerMessageAt: 1773151542491,
      lastMessagePreview: "Hi! Do you still have the linen shirt in size M?",
      lastMessageDirection: "inbound",
      unreadCount: 1,
    });
  });

  it.each([
    ["ig-message-image.json", "1001", ["image"]],
    ["ig-message-video.json", "1002", ["video"]],
    ["ig-message-audio.json", "1003", ["audio"]],
    ["ig-message-file.json", "1004", ["file"]],
    ["ig-message-share.json", "1005", ["share"]],
    ["ig-message-ig-post.json", "1006", ["ig_post"]],
    ["ig-message-ig-reel.json", "1007", ["ig_reel"]],
    ["ig-message-story-mention.json", "1008", ["story_mention"]],
    ["ig-message-ephemeral.json", "1009", ["ephemeral"]],
    ["ig-message-multi-media.json", "1010", ["image", "image", "video"]],
  ])("%s: attachments stored with their URLs as received", async (fixture, n, types) => {
    await deliver(fixtureText(fixture));
    const mid = JSON.parse(fixtureText(fixture)).entry[0].messaging[0].message.mid as string;
    expect(mid).toContain(n);
    const message = await getMessage(tableName, IMO, mid);
    const attachments = message?.attachments as { type: string; url?: string }[];
    expect(attachments.map((a) => a.type)).toEqual(types);
    for (const attachment of attachments) {
      if (attachment.type === "ephemeral") expect(attachment.url).toBeUndefined();
      else expect(attachment.url).toMatch(/^https:\/\//);
    }
  });

  it("reply to a message, reply to a story, quick reply, ad referral and unsupported are kept on the message", async () => {
    for (const fixture of [
      "ig-message-reply-to-message.json",
      "ig-message-reply-to-story.json",
      "ig-message-quick-reply.json",
      "ig-message-referral-ads.json",
      "ig-message-unsupported.json",
    ]) {
      await deliver(fixtureText(fixture));
    }
    expect(await getMessage(tableName, IMO, midOf2("1011"))).toMatchObject({ replyToMid: TEXT_MID });
    expect(await getMessage(tableName, IMO, midOf2("1012"))).toMatchObject({
      replyToStory: { id: "18063212345678901" },
    });
    expect(await getMessage(tableName, IMO, midOf2("1013"))).toMatchObject({ quickReplyPayload: "SIZE_M" });
    expect(await getMessage(tableName, IMO, midOf2("1014"))).toMatchObject({
      referral: { source: "ADS", ad_id: "120210987654321098" },
    });
    expect(await getMessage(tableName, IMO, midOf2("1016"))).toMatchObject({ unsupported: true });
  });

  it("a postback is an inbound message that opens the window", async () => {
    await deliver(fixtureText("ig-postback.json"));
    // Stored under the tap's own id (a template's mid is carried by every tap of it); Meta's mid is kept.
    const stored = (await scanAll(tableName)).filter((item) => item.postbackPayload === "TRACK_ORDER");
    expect(stored).toHaveLength(1);
    expect(stored[0]?.messageId).toMatch(/^tap_1773151820000_[A-Za-z0-9_-]{22}$/);
    expect(stored[0]).toMatchObject({
      mid: midOf2("1017"),
      tap: { kind: "postback", payload: "TRACK_ORDER", title: "Track my order" },
      direction: "inbound",
      text: "Track my order",
      postbackPayload: "TRACK_ORDER",
    });
    // The shared fixture customer's window moved to the postback's time (the newest customer event so far).
    expect(await getConversation(tableName, IMO, ACCOUNT, "3416870925138842")).toMatchObject({
      lastCustomerMessageAt: 1773151820000,
    });
  });

  it("opt-in and top-level referral are kept on the conversation (never the opt-in token)", async () => {
    await deliver(fixtureText("ig-optin.json"));
    await deliver(fixtureText("ig-referral.json"));
    const conversation = await getConversation(tableName, IMO, ACCOUNT, "3416870925138842");
    expect(conversation?.optin).toMatchObject({
      at: 1773151830000,
      fields: { type: "notification_messages", notification_messages_status: "RESUME_NOTIFICATIONS" },
    });
    expect(conversation?.lastReferral).toEqual({
      at: 1773151750000,
      referral: { ref: "spring-sale", source: "SHORTLINKS", type: "OPEN_THREAD" },
    });
    expect(JSON.stringify(await scanAll(tableName))).not.toContain("FAKEOPTINTOKEN");
  });

  it("events under standby are stored like messaging ones", async () => {
    await deliver(fixtureText("ig-standby.json"));
    expect(await getMessage(tableName, IMO, midOf2("1018"))).toMatchObject({ text: "Are you there?" });
  });

  it("ids that arrive as JSON numbers are stored with every digit", async () => {
    await deliver(fixtureText("ig-numeric-ids.json"));
    expect(await getMessage(tableName, IMO, midOf2("1019"))).toMatchObject({
      igAccountId: "17841462871093525",
      igsid: "3416870925138842",
    });
  });
});

describe("idempotency and ordering", () => {
  it("a delivery repeated three times stores once: one message, unread count 1", async () => {
    const customer = newCustomer();
    const body = deliveryOf([fromCustomer(10_000, text(midOf("t1"), "only once"), customer)]);
    await deliver(body);
    const after1 = await scanAll(tableName);
    await deliver(body);
    await deliver(body);
    const after3 = await scanAll(tableName);
    expect(after3).toEqual(after1);
    expect(await getConversation(tableName, IMO, ACCOUNT, customer)).toMatchObject({ unreadCount: 1 });
  });

  it("a mixed batch (messages, edit, reaction, read, unsend, echo) delivered three times has the effect of one", async () => {
    const customer = newCustomer();
    const body = deliveryOf([
      fromCustomer(20_000, text(midOf("b1"), "first"), customer),
      fromCustomer(20_100, text(midOf("b2"), "second"), customer),
      fromCustomer(20_200, edit(midOf("b1"), "first, edited", 1), customer),
      fromCustomer(20_300, react(midOf("b2")), customer),
      fromBusiness(20_400, echo(midOf("b3"), "from the app"), customer),
      fromCustomer(20_500, read(midOf("b3")), customer),
      fromCustomer(20_600, unsend(midOf("b2")), customer),
    ]);
    await deliver(body);
    const once = await scanAll(tableName);
    await deliver(body);
    await deliver(body);
    expect(await scanAll(tableName)).toEqual(once);
    expect(await getConversation(tableName, IMO, ACCOUNT, customer)).toMatchObject({
      unreadCount: 2,
      lastCustomerMessageAt: 20_100,
      lastActivityAt: 20_400,
      lastMessageDirection: "outbound",
      lastMessagePreview: "from the app",
    });
    expect(await getMessage(tableName, IMO, midOf("b1"))).toMatchObject({
      text: "first, edited",
      editCount: 1,
    });
    expect(await getMessage(tableName, IMO, midOf("b3"))).toMatchObject({ source: "echo", readAt: 20_500 });
  });

  it("out of order: an older message delivered after a newer one never shrinks the window", async () => {
    const customer = newCustomer();
    await deliver(deliveryOf([fromCustomer(50_000, text(midOf("o2"), "newer"), customer)]));
    await deliver(deliveryOf([fromCustomer(30_000, text(midOf("o1"), "older"), customer)]));
    expect(await getConversation(tableName, IMO, ACCOUNT, customer)).toMatchObject({
      lastCustomerMessageAt: 50_000,
      lastActivityAt: 50_000,
      lastMessagePreview: "newer",
      unreadCount: 2,
    });
  });

  it("out of order: a customer message older than a later echo still moves the window, not the activity", async () => {
    const customer = newCustomer();
    await deliver(deliveryOf([fromCustomer(10_000, text(midOf("w1"), "hello"), customer)]));
    await deliver(deliveryOf([fromBusiness(90_000, echo(midOf("w3"), "reply"), customer)]));
    await deliver(deliveryOf([fromCustomer(60_000, text(midOf("w2"), "late"), customer)]));
    expect(await getConversation(tableName, IMO, ACCOUNT, customer)).toMatchObject({
      lastCustomerMessageAt: 60_000,
      lastActivityAt: 90_000,
      lastMessageDirection: "outbound",
      lastMessagePreview: "reply",
      unreadCount: 2,
    });
  });

  it("echoes never open the window", async () => {
    const customer = newCustomer();
    await deliver(deliveryOf([fromBusiness(70_000, echo(midOf("e1"), "promo"), customer)]));
    const conversation = await getConversation(tableName, IMO, ACCOUNT, customer);
    expect(conversation?.lastCustomerMessageAt).toBeUndefined();
    expect(conversation).toMatchObject({ unreadCount: 0, lastActivityAt: 70_000 });
    expect(await getMessage(tableName, IMO, midOf("e1"))).toMatchObject({
      direction: "outbound",
      source: "echo",
      text: "promo",
    });
  });
});

describe("edits, unsends, reactions and reads", () => {
  it("edits keep a count and only a newer edit applies (num_edit as number or string)", async () => {
    const customer = newCustomer();
    const mid = midOf("ed1");
    await deliver(deliveryOf([fromCustomer(1_000, text(mid, "v0"), customer)]));
    await deliver(deliveryOf([fromCustomer(3_000, edit(mid, "v2", "2"), customer)]));
    await deliver(deliveryOf([fromCustomer(2_000, edit(mid, "v1", 1), customer)]));
    expect(await getMessage(tableName, IMO, mid)).toMatchObject({ text: "v2", editCount: 2 });
    expect(await getConversation(tableName, IMO, ACCOUNT, customer)).toMatchObject({
      lastMessagePreview: "v2",
    });
  });

  it("an edit that arrives before its message wins over the original text; the message still counts once", async () => {
    const customer = newCustomer();
    const mid = midOf("ed2");
    await deliver(deliveryOf([fromCustomer(2_000, edit(mid, "edited first", 1), customer)]));
    expect(await getMessage(tableName, IMO, mid)).toMatchObject({ entity: "message_pending" });
    await deliver(deliveryOf([fromCustomer(1_000, text(mid, "original"), customer)]));
    const message = await getMessage(tableName, IMO, mid);
    expect(message).toMatchObject({
      entity: "message",
      text: "edited first",
      editCount: 1,
      gsi1pk: expect.any(String),
    });
    expect(message?.expiresAt).toBeUndefined();
    expect(await getConversation(tableName, IMO, ACCOUNT, customer)).toMatchObject({
      unreadCount: 1,
      lastCustomerMessageAt: 1_000,
    });
  });

  it("an unsend marks the message deleted and removes its content; a redelivery never brings it back", async () => {
    const customer = newCustomer();
    const mid = midOf("un1");
    const original = deliveryOf([
      fromCustomer(
        1_000,
        { message: { mid, text: "oops", attachments: [{ type: "image", payload: { url: "https://x/y" } }] } },
        customer,
      ),
    ]);
    await deliver(original);
    await deliver(deliveryOf([fromCustomer(2_000, unsend(mid), customer)]));
    await deliver(original);
    await deliver(deliveryOf([fromCustomer(3_000, edit(mid, "edit after unsend", 1), customer)]));
    const message = await getMessage(tableName, IMO, mid);
    expect(message).toMatchObject({ entity: "message", deleted: true, deletedAt: 2_000 });
    expect(message?.text).toBeUndefined();
    expect(message?.attachments).toBeUndefined();
    const conversation = await getConversation(tableName, IMO, ACCOUNT, customer);
    expect(conversation?.lastMessagePreview).toBeUndefined();
    expect(conversation).toMatchObject({ unreadCount: 1 });
  });

  it("an unsend that arrives before its message: the message is stored without content, still in the thread", async () => {
    const customer = newCustomer();
    const mid = midOf("un2");
    await deliver(deliveryOf([fromCustomer(2_000, unsend(mid), customer)]));
    await deliver(deliveryOf([fromCustomer(1_000, text(mid, "never shown"), customer)]));
    const message = await getMessage(tableName, IMO, mid);
    expect(message).toMatchObject({ entity: "message", deleted: true, direction: "inbound", sentAt: 1_000 });
    expect(message?.text).toBeUndefined();
    expect(JSON.stringify(await scanAll(tableName))).not.toContain("never shown");
    const conversation = await getConversation(tableName, IMO, ACCOUNT, customer);
    expect(conversation).toMatchObject({ lastCustomerMessageAt: 1_000, unreadCount: 1 });
    expect(conversation?.lastMessagePreview).toBeUndefined();
  });

  it("reactions: react, then a newer unreact wins over a late older react", async () => {
    const customer = newCustomer();
    const mid = midOf("re1");
    await deliver(deliveryOf([fromBusiness(1_000, echo(mid, "our message"), customer)]));
    await deliver(deliveryOf([fromCustomer(2_000, react(mid), customer)]));
    expect((await getMessage(tableName, IMO, mid))?.reactions).toEqual({
      [customer]: { reaction: "love", emoji: "\u2764\ufe0f", at: 2_000 },
    });
    await deliver(deliveryOf([fromCustomer(4_000, unreact(mid), customer)]));
    await deliver(deliveryOf([fromCustomer(3_000, react(mid, "😮"), customer)]));
    expect((await getMessage(tableName, IMO, mid))?.reactions).toEqual({
      [customer]: { reaction: "", at: 4_000, removed: true },
    });
  });

  it("a reaction or read whose message is not stored yet is kept on a pending item and merged when it arrives", async () => {
    const customer = newCustomer();
    const mid = midOf("re2");
    await deliver(
      deliveryOf([fromCustomer(2_000, react(mid), customer), fromCustomer(2_500, read(mid), customer)]),
    );
    const pending = await getMessage(tableName, IMO, mid);
    expect(pending).toMatchObject({ entity: "message_pending", expiresAt: expect.any(Number) });
    expect(pending?.gsi1pk).toBeUndefined();
    await deliver(deliveryOf([fromBusiness(1_000, echo(mid, "hello"), customer)]));
    const message = await getMessage(tableName, IMO, mid);
    expect(message).toMatchObject({
      entity: "message",
      text: "hello",
      readAt: 2_500,
      reactions: { [customer]: { reaction: "love", at: 2_000 } },
    });
    expect(message?.expiresAt).toBeUndefined();
  });
});

describe("echoes of messages this system sent", () => {
  it("are matched to the outbound record via the sent-mid item, not stored twice", async () => {
    const customer = newCustomer();
    const mid = midOf("out1");
    const messageId = "0b9f3c4e-5a1d-4c1e-9a55-3f1f0e0f7a01";
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...Keys.message(IMO, messageId),
          ...Keys.conversationMessages(IMO, ACCOUNT, customer),
          gsi1sk: `${new Date(5_000).toISOString()}#${messageId}`,
          entity: "message",
          imoId: IMO,
          igAccountId: ACCOUNT,
          igsid: customer,
          messageId,
          direction: "outbound",
          source: "api",
          sentAt: 5_000,
          text: "Yes! Size M is in stock.",
          status: "sending",
        },
      }),
    );
    await db.send(new PutCommand({ TableName: tableName, Item: { ...Keys.sentMid(IMO, mid), messageId } }));
    const body = deliveryOf([fromBusiness(5_100, echo(mid, "Yes! Size M is in stock."), customer)]);
    await deliver(body);
    await deliver(body);
    expect(await getMessage(tableName, IMO, mid)).toBeUndefined();
    expect(await getMessage(tableName, IMO, messageId)).toMatchObject({
      status: "sent",
      mid,
      echoedAt: 5_100,
    });
    await deliver(deliveryOf([fromCustomer(6_000, read(mid), customer)]));
    expect(await getMessage(tableName, IMO, messageId)).toMatchObject({ readAt: 6_000 });
    await deliver(deliveryOf([fromCustomer(6_500, react(mid), customer)]));
    expect((await getMessage(tableName, IMO, messageId))?.reactions).toMatchObject({
      [customer]: { reaction: "love" },
    });
    const conversation = await getConversation(tableName, IMO, ACCOUNT, customer);
    expect(conversation?.lastCustomerMessageAt).toBeUndefined();
    expect(conversation).toMatchObject({ lastMessageDirection: "outbound", unreadCount: 0 });
  });

  it("a matched echo of a record already marked sent keeps its status", async () => {
    const customer = newCustomer();
    const mid = midOf("out2");
    const messageId = "0b9f3c4e-5a1d-4c1e-9a55-3f1f0e0f7a02";
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...Keys.message(IMO, messageId), entity: "message", messageId, status: "sent", mid },
      }),
    );
    await db.send(new PutCommand({ TableName: tableName, Item: { ...Keys.sentMid(IMO, mid), messageId } }));
    await deliver(deliveryOf([fromBusiness(7_000, echo(mid, "hi"), customer)]));
    expect(await getMessage(tableName, IMO, messageId)).toMatchObject({ status: "sent", echoedAt: 7_000 });
    expect(await getMessage(tableName, IMO, mid)).toBeUndefined();
  });
});

describe("routing and what is not stored", () => {
  it("each organisation with a live integration gets its own copy (needing re-auth included); revoked ones get nothing", async () => {
    const account = "17841400000000777";
    await connectIntegration(tableName, "imo-a", account);
    await connectIntegration(tableName, "imo-b", account);
    await connectIntegration(tableName, "imo-c", account, "needs_reauth");
    await connectIntegration(tableName, "imo-d", account, "revoked");
    const customer = newCustomer();
    await deliver(deliveryOf([fromCustomer(1_000, text(midOf("r1"), "hi all"), customer, account)], account));
    expect(await getMessage(tableName, "imo-a", midOf("r1"))).toMatchObject({
      imoId: "imo-a",
      text: "hi all",
    });
    expect(await getMessage(tableName, "imo-b", midOf("r1"))).toMatchObject({ imoId: "imo-b" });
    expect(await getMessage(tableName, "imo-c", midOf("r1"))).toMatchObject({
      imoId: "imo-c",
      text: "hi all",
    });
    expect(await getMessage(tableName, "imo-d", midOf("r1"))).toBeUndefined();
    expect(await getConversation(tableName, "imo-a", account, customer)).toMatchObject({ unreadCount: 1 });
  });

  it("an account no integration owns: acknowledged, nothing stored", async () => {
    const before = await scanAll(tableName);
    await deliver(
      deliveryOf(
        [fromCustomer(1_000, text(midOf("x1"), "who?"), newCustomer(), "17841499999999999")],
        "17841499999999999",
      ),
    );
    expect(await scanAll(tableName)).toEqual(before);
  });

  it("an unknown event type is acknowledged and stores nothing; a good event beside it is stored", async () => {
    const before = await scanAll(tableName);
    await deliver(fixtureText("ig-unknown-event.json"));
    expect(await scanAll(tableName)).toEqual(before);
    const customer = newCustomer();
    await deliver(
      deliveryOf([
        fromCustomer(1_000, { brand_new_kind: { anything: true } }, customer),
        fromCustomer(1_001, { message: { text: "no mid" } }, customer),
        fromCustomer(1_002, text(midOf("u1"), "stored"), customer),
      ]),
    );
    expect(await getMessage(tableName, IMO, midOf("u1"))).toMatchObject({ text: "stored" });
  });

  it("the dashboard's Test payload is acknowledged and changes nothing", async () => {
    const before = await scanAll(tableName);
    await deliver(fixtureText("ig-dashboard-test.json"));
    expect(await scanAll(tableName)).toEqual(before);
  });
});

describe("large deliveries", () => {
  it("a 1000-event batch across 50 conversations is stored completely, once", {
    timeout: 180_000,
  }, async () => {
    const account = "17841400000001000";
    await connectIntegration(tableName, IMO, account);
    const customers = Array.from({ length: 50 }, () => newCustomer());
    const events = Array.from({ length: 1000 }, (_, i) =>
      fromCustomer(100_000 + i, text(midOf(`big${i}`), `message ${i}`), customers[i % 50], account),
    );
    const body = deliveryOf(events, account);
    expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
    // DynamoDB Local on a shared test machine is far slower than DynamoDB: give this invocation more than the
    // fake context's 30 s, so middy's timeout guard measures correctness here, not the machine's speed.
    const response = await handleSlowly(webhookPost(body));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? "")).toEqual({ received: 1000 });
    const items = await scanAll(tableName);
    const messages = items.filter((item) => item.entity === "message" && item.igAccountId === account);
    expect(messages).toHaveLength(1000);
    const conversations = items.filter(
      (item) => item.entity === "conversation" && item.igAccountId === account,
    );
    expect(conversations).toHaveLength(50);
    for (const conversation of conversations) {
      expect(conversation.unreadCount).toBe(20);
      const index = customers.indexOf(String(conversation.igsid));
      expect(conversation.lastCustomerMessageAt).toBe(100_000 + 950 + index);
    }
  });
});

/** `midOf` for the fixture files' numbering (see test/fixtures/webhooks). */
function midOf2(n: string): string {
  return `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDYyODcxMDkzNTI1OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI2MjI4NDAxNzE5NDk5ODEzOTozMjU${n}ZDZD`;
}
