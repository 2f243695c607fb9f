import { beforeAll, describe, expect, it } from "vitest";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { setHandlerEnv } from "../support/handler-env";
import { lambdaContext } from "../support/http-event";
import { freshTable } from "../support/local-aws";
import { ACCOUNT, deliveryOf, fromCustomer, midOf, webhookPost } from "../support/webhook-fixtures";
import { connectIntegration, scanAll } from "../support/webhook-seed";

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
async function inboundOf(customer: string): Promise<Record<string, unknown>[]> {
  return (await scanAll(tableName))
    .filter((item) => item.entity === "message" && item.igsid === customer && item.imoId === IMO)
    .sort((a, b) => Number(a.sentAt) - Number(b.sentAt));
}

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
