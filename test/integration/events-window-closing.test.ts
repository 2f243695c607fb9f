import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import { StreamEventSource } from "../../dev/local-server/stream-event-source";
import { dynamoIntegrationOwners } from "../../lambdas/adapters/dynamo/integration-owner";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { dynamoWindowIndex } from "../../lambdas/adapters/dynamo/window-index";
import type { EventPublisher } from "../../lambdas/adapters/events/event-bus";
import { AppEvent, type AppEventOf } from "../../lambdas/contract/events";
import { WindowIndex } from "../../lambdas/contract/table";
import { detectClosingWindows, type WindowIndexStore } from "../../lambdas/domain/events/window-closing";
import { messageView } from "../../lambdas/http/inbox-bodies";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { publishChanges } from "../../lambdas/wiring/events";
import { setHandlerEnv } from "../support/handler-env";
import { lambdaContext } from "../support/http-event";
import { freshTable, localDynamo } from "../support/local-aws";
import {
  ACCOUNT,
  deliveryOf,
  echo,
  fromBusiness,
  fromCustomer,
  midOf,
  text,
  webhookPost,
} from "../support/webhook-fixtures";
import { connectIntegration, db, getConversation } from "../support/webhook-seed";

/**
 * `conversation.window_closing` on DynamoDB Local's real stream: the DMs and echoes are written by the real
 * webhook handler, the `events` function's work (publishChanges, with the window index's upkeep and the user
 * lookup) runs through the local stream poller, and the detector queries the real sparse index. Guarantee: one
 * event per unanswered window that ends within the lead time, none for an answered one, none twice.
 */

const IMO = "imo-windows";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let tableName: string;
let receive: (event: HttpEvent) => Promise<HttpResult>;
let source: StreamEventSource;
let windows: WindowIndexStore;
const bus: AppEvent[] = [];

const publisher: EventPublisher = {
  async publish(events) {
    for (const event of events) bus.push(AppEvent.parse(event));
  },
};

let customerCounter = 5_300_000_000_000_000;
const newCustomer = () => String(++customerCounter);

async function deliver(...events: Record<string, unknown>[]): Promise<void> {
  const response = await receive(webhookPost(deliveryOf(events)));
  expect(response.statusCode).toBe(200);
}

async function settle(): Promise<AppEvent[]> {
  const before = bus.length;
  await source.drain();
  return bus.slice(before);
}

/** One detector run at `now`, then everything it wrote through the stream: the window_closing events. */
async function detect(now = Date.now()): Promise<AppEventOf<"conversation.window_closing">[]> {
  await detectClosingWindows(windows, now);
  return (await settle()).filter(
    (event): event is AppEventOf<"conversation.window_closing"> =>
      event.type === "conversation.window_closing",
  );
}

const conversationOf = (customer: string) => getConversation(tableName, IMO, ACCOUNT, customer);

beforeAll(async () => {
  tableName = await freshTable();
  setHandlerEnv({ tableName });
  const { handler } = await import("../../lambdas/handlers/webhook-receive");
  receive = (event) => handler(event, lambdaContext("webhook-receive"));
  windows = dynamoWindowIndex({ db, tableName });
  const owners = dynamoIntegrationOwners(db, tableName);
  source = new StreamEventSource({
    dynamodb: localDynamo(),
    streams: new DynamoDBStreamsClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB }),
    tableName,
    batchSize: 100,
    handler: (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> =>
      publishChanges(event.Records, { publisher, view: messageView, log: () => undefined, owners, windows }),
  });
  await connectIntegration(tableName, IMO, ACCOUNT);
  await settle();
});

describe("conversation.window_closing", () => {
  it("an unanswered DM whose window ends within the lead time → one event; run again → still one", async () => {
    const customer = newCustomer();
    const sentAt = Date.now() - 23 * HOUR;
    await deliver(fromCustomer(sentAt, text(midOf(`${customer}-1`), "Do you ship to Lisbon?"), customer));
    const received = await settle();
    // Inbound events name the integration's user too (the item names only the organisation).
    expect(received.find((event) => event.type === "message.received")?.userId).toBe(`user-of-${IMO}`);
    expect((await conversationOf(customer))?.[WindowIndex.partitionKey]).toMatch(/^WINDOW#\d$/);

    const events = await detect();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "conversation.window_closing",
      imoId: IMO,
      userId: `user-of-${IMO}`,
      data: {
        igAccountId: ACCOUNT,
        conversationId: `${ACCOUNT}_${customer}`,
        closesAt: new Date(sentAt + DAY).toISOString(),
        lastCustomerMessageAt: new Date(sentAt).toISOString(),
        windowKind: "standard",
      },
    });
    // Announced: out of the index, so later runs do not even read it.
    expect((await conversationOf(customer))?.[WindowIndex.partitionKey]).toBeUndefined();
    expect(await detect()).toEqual([]);
    expect(await detect(Date.now() + 30 * 60_000)).toEqual([]);

    // A new customer message opens a new window: announced again when that one nears its end.
    const later = sentAt + 30 * 60_000;
    await deliver(fromCustomer(later, text(midOf(`${customer}-2`), "Hello?"), customer));
    await settle();
    const again = await detect();
    expect(again.map((event) => event.data.closesAt)).toEqual([new Date(later + DAY).toISOString()]);
    expect(again[0]?.id).not.toBe(events[0]?.id);
  });

  it("an answered conversation → no event, and it leaves the index", async () => {
    const customer = newCustomer();
    const sentAt = Date.now() - 23 * HOUR;
    await deliver(fromCustomer(sentAt, text(midOf(`${customer}-1`), "Is it in stock?"), customer));
    await settle();
    expect((await conversationOf(customer))?.[WindowIndex.partitionKey]).toBeDefined();
    await deliver(fromBusiness(sentAt + HOUR, echo(midOf(`${customer}-echo`), "Yes!"), customer));
    await settle();
    expect((await conversationOf(customer))?.[WindowIndex.partitionKey]).toBeUndefined();
    expect((await detect()).filter((e) => e.data.conversationId.endsWith(customer))).toEqual([]);
  });

  it("a window far from its end is not announced yet; two detectors at once announce it once", async () => {
    const customer = newCustomer();
    const sentAt = Date.now() - HOUR;
    await deliver(fromCustomer(sentAt, text(midOf(`${customer}-1`), "Any discount?"), customer));
    await settle();
    expect(await detect()).toEqual([]);
    const near = sentAt + DAY - HOUR;
    await Promise.all([detectClosingWindows(windows, near), detectClosingWindows(windows, near)]);
    const events = (await settle()).filter((event) => event.type === "conversation.window_closing");
    expect(events).toHaveLength(1);
  });

  it("an ad-started thread uses its 7-day window: announced near day 7, not at hour 23", async () => {
    const referral = { ref: "spring", ad_id: "120210000000000009", source: "ADS", type: "OPEN_THREAD" };
    const old = newCustomer();
    const oldAt = Date.now() - 7 * DAY + HOUR;
    await deliver(
      fromCustomer(oldAt, { message: { mid: midOf(`${old}-ad`), text: "From the ad", referral } }, old),
    );
    const young = newCustomer();
    const youngAt = Date.now() - 23 * HOUR;
    await deliver(
      fromCustomer(youngAt, { message: { mid: midOf(`${young}-ad`), text: "From the ad", referral } }, young),
    );
    await settle();
    const events = await detect();
    expect(
      events.map((event) => [event.data.conversationId, event.data.windowKind, event.data.closesAt]),
    ).toEqual([[`${ACCOUNT}_${old}`, "ad_referral", new Date(oldAt + 7 * DAY).toISOString()]]);
    // The young thread's entry moved to its real end (7 days), so it is not read again before then.
    expect((await conversationOf(young))?.[WindowIndex.sortKey]).toBe(
      new Date(youngAt + 7 * DAY).toISOString(),
    );
    expect(await detect(youngAt + 7 * DAY - HOUR)).toHaveLength(1);
  });

  it("a conversation erased after it was indexed → no event, and nothing is written back", async () => {
    const customer = newCustomer();
    await deliver(fromCustomer(Date.now() - 23 * HOUR, text(midOf(`${customer}-1`), "Hi"), customer));
    await settle();
    const seen = await windows.read(Keys.conversation(IMO, ACCOUNT, customer));
    await db.send(
      new DeleteCommand({ TableName: tableName, Key: Keys.conversation(IMO, ACCOUNT, customer) }),
    );
    // The detector's read came before the deletion: its conditional write must not recreate the item.
    if (!seen) throw new Error("the conversation was not read");
    expect(
      await windows.act(Keys.conversation(IMO, ACCOUNT, customer), seen, {
        kind: "announce",
        window: {
          closesAt: Date.now() + HOUR,
          kind: "standard",
          lastCustomerMessageAt: Date.now() - 23 * HOUR,
        },
      }),
    ).toBe(false);
    expect(await conversationOf(customer)).toBeUndefined();
    expect((await detect()).filter((e) => e.data.conversationId.endsWith(customer))).toEqual([]);
  });
});
