import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { sortKeyTime } from "../../lambdas/adapters/dynamo/dates";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { setHandlerEnv } from "../support/handler-env";
import { lambdaContext } from "../support/http-event";
import { freshTable } from "../support/local-aws";
import { ACCOUNT, deliveryOf, fromCustomer, midOf, webhookPost } from "../support/webhook-fixtures";
import { connectIntegration, db, scanAll } from "../support/webhook-seed";

/*
 * Taps: a customer's postback (button, ice breaker, menu item) and quick reply. Meta's postback `mid` may name
 * the message whose button was tapped, so it cannot identify the tap: two taps of one template are two events.
 */
const IMO = "imo-taps";
let tableName: string;
let handle: (event: HttpEvent) => Promise<HttpResult>;

let customerCounter = 4_200_000_000_000_000;
function newCustomer(): string {
  customerCounter += 1;
  return String(customerCounter);
}

async function deliver(body: string): Promise<void> {
  const response = await handle(webhookPost(body));
  expect(response.statusCode).toBe(200);
}

const postback = (title: string, payload: string, mid?: string) => ({
  postback: { ...(mid === undefined ? {} : { mid }), title, payload },
});

/** The stored inbound messages of one conversation, oldest first. */
async function inboundOf(customer: string, imoId = IMO): Promise<Record<string, unknown>[]> {
  return (await scanAll(tableName))
    .filter(
      (item) =>
        item.entity === "message" &&
        item.igsid === customer &&
        item.imoId === imoId &&
        item.direction === "inbound",
    )
    .sort((a, b) => Number(a.sentAt) - Number(b.sentAt));
}

/**
 * A message our sender sent through the API (the items outbound-item.ts and markSent write): the message item
 * and the sent-mid pointer from Meta's mid to our id.
 */
async function seedSent(
  customer: string,
  messageId: string,
  mid: string,
  at: number,
  rich: Record<string, unknown>,
  status = "sent",
): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...Keys.message(IMO, messageId),
        ...Keys.conversationMessages(IMO, ACCOUNT, customer),
        gsi1sk: `${sortKeyTime(at)}#${messageId}`,
        entity: "message",
        imoId: IMO,
        igAccountId: ACCOUNT,
        igsid: customer,
        messageId,
        direction: "outbound",
        source: "api",
        sentAt: at,
        acceptedAt: at,
        text: "Which size?",
        rich,
        status,
        ...(status === "sent" ? { mid } : {}),
      },
    }),
  );
  if (status !== "sent") return;
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...Keys.sentMid(IMO, mid), entity: "sentMid", imoId: IMO, messageId, mid, createdAt: at },
    }),
  );
}

const quickReplies = (...payloads: string[]) => ({
  kind: "text",
  quickReplies: payloads.map((payload) => ({ type: "text", title: payload.toLowerCase(), payload })),
});
const buttonTemplate = {
  kind: "button_template",
  template: {
    type: "button",
    text: "Book it?",
    buttons: [
      { type: "postback", title: "Yes, book it", payload: "BOOK_YES" },
      { type: "postback", title: "No thanks", payload: "BOOK_NO" },
    ],
  },
};
const quickReplyTap = (mid: string, title: string, payload: string, replyToMid?: string) => ({
  message: {
    mid,
    text: title,
    quick_reply: { payload },
    ...(replyToMid === undefined ? {} : { reply_to: { mid: replyToMid } }),
  },
});

beforeAll(async () => {
  tableName = await freshTable();
  setHandlerEnv({ tableName });
  const { handler } = await import("../../lambdas/handlers/webhook-receive");
  handle = (event) => handler(event, lambdaContext("webhook-receive"));
  await connectIntegration(tableName, IMO, ACCOUNT);
});

describe("postbacks are deduplicated by the tap, not by the message they carry", () => {
  it("two taps of one template, and a tap on another of its buttons, are three taps; a replay adds none", async () => {
    const customer = newCustomer();
    const template = midOf(7001);
    const taps = [
      fromCustomer(1_773_200_000_000, postback("Yes, book it", "BOOK_YES", template), customer),
      fromCustomer(1_773_200_060_000, postback("Yes, book it", "BOOK_YES", template), customer),
      fromCustomer(1_773_200_120_000, postback("No thanks", "BOOK_NO", template), customer),
    ];
    for (const tap of taps) await deliver(deliveryOf([tap]));
    const stored = await inboundOf(customer);
    expect(stored.map((m) => [m.text, m.postbackPayload, m.sentAt])).toEqual([
      ["Yes, book it", "BOOK_YES", 1_773_200_000_000],
      ["Yes, book it", "BOOK_YES", 1_773_200_060_000],
      ["No thanks", "BOOK_NO", 1_773_200_120_000],
    ]);
    // Meta redelivers a delivery it got no 200 for: exactly once still, one by one and all together.
    for (const tap of taps) await deliver(deliveryOf([tap]));
    await deliver(deliveryOf(taps));
    expect(await inboundOf(customer)).toHaveLength(3);
    expect(new Set(stored.map((m) => m.messageId)).size).toBe(3);
  });

  it("two taps of one template in one delivery are both stored (the batched write)", async () => {
    const customer = newCustomer();
    const template = midOf(7002);
    const body = deliveryOf([
      fromCustomer(1_773_200_000_000, postback("Yes", "Y", template), customer),
      fromCustomer(1_773_200_000_500, postback("Yes", "Y", template), customer),
    ]);
    await deliver(body);
    await deliver(body);
    expect((await inboundOf(customer)).map((m) => m.sentAt)).toEqual([1_773_200_000_000, 1_773_200_000_500]);
  });

  it("an ice breaker tap (a postback without mid) is stored as a tap, once", async () => {
    const customer = newCustomer();
    const tap = fromCustomer(1_773_200_000_000, postback("What are your opening hours?", "HOURS"), customer);
    await deliver(deliveryOf([tap]));
    await deliver(deliveryOf([tap]));
    const stored = await inboundOf(customer);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      direction: "inbound",
      source: "customer",
      text: "What are your opening hours?",
      postbackPayload: "HOURS",
    });
    expect(stored[0]?.mid).toBeUndefined();
  });
});

describe("a tap names the outbound message it answers where that can be known", () => {
  it("a postback whose mid is a template we sent in this conversation links to it (by mid)", async () => {
    const customer = newCustomer();
    const template = midOf(7101);
    await seedSent(
      customer,
      "11111111-1111-4111-8111-111111111111",
      template,
      1_773_300_000_000,
      buttonTemplate,
    );
    await deliver(
      deliveryOf([fromCustomer(1_773_300_010_000, postback("No thanks", "BOOK_NO", template), customer)]),
    );
    const [tap] = await inboundOf(customer);
    expect(tap?.tap).toEqual({
      kind: "postback",
      payload: "BOOK_NO",
      title: "No thanks",
      inReplyTo: { messageId: "11111111-1111-4111-8111-111111111111", linkedBy: "mid" },
    });
  });

  it("a mid we sent to another customer, or a mid we never sent, links nothing", async () => {
    const first = newCustomer();
    const other = newCustomer();
    const template = midOf(7102);
    await seedSent(
      first,
      "22222222-2222-4222-8222-222222222222",
      template,
      1_773_300_000_000,
      buttonTemplate,
    );
    await deliver(
      deliveryOf([fromCustomer(1_773_300_010_000, postback("Yes", "BOOK_YES", template), other)]),
    );
    await deliver(
      deliveryOf([fromCustomer(1_773_300_020_000, postback("Yes", "BOOK_YES", midOf(7199)), first)]),
    );
    const [fromOther] = await inboundOf(other);
    const [unknownMid] = await inboundOf(first);
    expect(fromOther?.tap).toEqual({ kind: "postback", payload: "BOOK_YES", title: "Yes" });
    expect(unknownMid?.tap).toEqual({ kind: "postback", payload: "BOOK_YES", title: "Yes" });
  });

  it("another organisation sharing the account gets its own copy of the tap, unlinked (our pointer is per organisation)", async () => {
    const other = "imo-taps-other";
    await connectIntegration(tableName, other, ACCOUNT);
    const customer = newCustomer();
    const template = midOf(7103);
    await seedSent(
      customer,
      "33333333-3333-4333-8333-333333333333",
      template,
      1_773_300_000_000,
      buttonTemplate,
    );
    await deliver(
      deliveryOf([fromCustomer(1_773_300_010_000, postback("Yes", "BOOK_YES", template), customer)]),
    );
    const [ours] = await inboundOf(customer);
    const [theirs] = await inboundOf(customer, other);
    expect(ours?.tap).toMatchObject({ inReplyTo: { messageId: "33333333-3333-4333-8333-333333333333" } });
    expect(theirs?.tap).toEqual({ kind: "postback", payload: "BOOK_YES", title: "Yes" });
  });

  it("a quick reply (Meta names no message) links to the latest message sent before it that offered that payload", async () => {
    const customer = newCustomer();
    const t = 1_773_400_000_000;
    await seedSent(
      customer,
      "aaaaaaaa-0000-4000-8000-000000000001",
      midOf(7201),
      t,
      quickReplies("SIZE_M", "SIZE_L"),
    );
    await seedSent(
      customer,
      "aaaaaaaa-0000-4000-8000-000000000002",
      midOf(7202),
      t + 1000,
      quickReplies("SIZE_M"),
    );
    await seedSent(
      customer,
      "aaaaaaaa-0000-4000-8000-000000000003",
      midOf(7203),
      t + 2000,
      quickReplies("SIZE_L"),
    );
    // Offered after the tap, or never sent (still queued): neither can be what the customer tapped.
    await seedSent(
      customer,
      "aaaaaaaa-0000-4000-8000-000000000004",
      midOf(7204),
      t + 9000,
      quickReplies("SIZE_M"),
    );
    await seedSent(
      customer,
      "aaaaaaaa-0000-4000-8000-000000000005",
      midOf(7205),
      t + 4000,
      quickReplies("SIZE_M"),
      "queued",
    );
    await deliver(
      deliveryOf([
        fromCustomer(t - 500, quickReplyTap(midOf(7210), "early", "SIZE_M"), customer),
        fromCustomer(t + 5000, quickReplyTap(midOf(7211), "size_m", "SIZE_M"), customer),
        fromCustomer(t + 6000, quickReplyTap(midOf(7212), "xl", "SIZE_XL"), customer),
        fromCustomer(t + 7000, quickReplyTap(midOf(7213), "size_m", "SIZE_M", midOf(7201)), customer),
      ]),
    );
    const [early, latest, unoffered, byReplyTo] = await inboundOf(customer);
    expect(early?.tap).toEqual({ kind: "quick_reply", payload: "SIZE_M", title: "early" });
    expect(latest?.tap).toEqual({
      kind: "quick_reply",
      payload: "SIZE_M",
      title: "size_m",
      inReplyTo: { messageId: "aaaaaaaa-0000-4000-8000-000000000002", linkedBy: "quick_reply_payload" },
    });
    expect(unoffered?.tap).toEqual({ kind: "quick_reply", payload: "SIZE_XL", title: "xl" });
    // Where Meta does name the message (`reply_to.mid`), that wins over the payload reading.
    expect(byReplyTo?.tap).toMatchObject({
      inReplyTo: { messageId: "aaaaaaaa-0000-4000-8000-000000000001", linkedBy: "mid" },
    });
    // The message keeps its own mid as its id: a quick reply is a message.
    expect(latest?.messageId).toBe(midOf(7211));
  });

  it("a plain customer message is no tap", async () => {
    const customer = newCustomer();
    await deliver(
      deliveryOf([fromCustomer(1_773_400_000_000, { message: { mid: midOf(7301), text: "hi" } }, customer)]),
    );
    const [message] = await inboundOf(customer);
    expect(message?.tap).toBeUndefined();
  });
});
