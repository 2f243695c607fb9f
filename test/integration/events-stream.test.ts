import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { StreamEventSource } from "../../dev/local-server/stream-event-source";
import { dynamoDataDeletionStore } from "../../lambdas/adapters/dynamo/data-deletion";
import { dynamoIntegrationStore } from "../../lambdas/adapters/dynamo/integrations";
import { dynamoOutboundStore } from "../../lambdas/adapters/dynamo/outbound-messages";
import type { EventPublisher } from "../../lambdas/adapters/events/event-bus";
import { AppEvent } from "../../lambdas/contract/events";
import type { OutboundMessage } from "../../lambdas/domain/outbound/ports";
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
  edit,
  fromBusiness,
  fromCustomer,
  midOf,
  react,
  read,
  text,
  unsend,
  webhookPost,
} from "../support/webhook-fixtures";
import { connectIntegration, db } from "../support/webhook-seed";

/**
 * Events out on DynamoDB Local's real stream: the writes are made by the real handlers and adapters, the
 * stream is read by the local poller shaped like Lambda's event source, and the `events` function's work
 * (publishChanges) publishes to an in-memory bus. Guarantee: an event exists iff its write committed, with
 * an id that a redelivery repeats, in the order of the writes of its item.
 */

const IMO = "imo-events";
let tableName: string;
let receive: (event: HttpEvent) => Promise<HttpResult>;
let source: StreamEventSource;
/** What reached the bus, in order; `failNext` makes the next publish calls throw. */
let bus: AppEvent[];
let failNext = 0;
let crashNext = 0;

const publisher: EventPublisher = {
  async publish(events) {
    if (failNext > 0) {
      failNext--;
      throw new Error("EventBridge unavailable (test)");
    }
    for (const event of events) bus.push(AppEvent.parse(event));
  },
};

async function eventsFunction(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const result = await publishChanges(event.Records, { publisher, view: messageView, log: () => undefined });
  if (crashNext > 0) {
    // The function dies after publishing (a timeout, out of memory): Lambda retries the whole batch.
    crashNext--;
    throw new Error("crash after publishing (test)");
  }
  return result;
}

let customerCounter = 5_200_000_000_000_000;
const newCustomer = () => String(++customerCounter);

async function deliver(...events: Record<string, unknown>[]): Promise<void> {
  const response = await receive(webhookPost(deliveryOf(events)));
  expect(response.statusCode).toBe(200);
}

/** Everything committed so far, through the stream; returns the events that reached the bus meanwhile. */
async function settle(): Promise<AppEvent[]> {
  const before = bus.length;
  await source.drain();
  return bus.slice(before);
}

const typesOf = (events: readonly AppEvent[]) => events.map((event) => event.type);

beforeAll(async () => {
  tableName = await freshTable();
  setHandlerEnv({ tableName });
  const { handler } = await import("../../lambdas/handlers/webhook-receive");
  receive = (event) => handler(event, lambdaContext("webhook-receive"));
  source = new StreamEventSource({
    dynamodb: localDynamo(),
    // DynamoDB Local serves its streams API on the same endpoint as the table API.
    streams: new DynamoDBStreamsClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB }),
    tableName,
    batchSize: 100,
    handler: eventsFunction,
  });
  bus = [];
  await connectIntegration(tableName, IMO, ACCOUNT);
  await settle();
});

beforeEach(() => {
  failNext = 0;
  crashNext = 0;
});

describe("each event type comes from its real write, and from nothing else", () => {
  it("a customer DM → one message.received with the content the app API shows; an echo → nothing", async () => {
    const customer = newCustomer();
    const now = Date.now();
    await deliver(fromCustomer(now, text(midOf(`${customer}-1`), "Is the linen shirt in stock?"), customer));
    await deliver(fromBusiness(now + 1, echo(midOf(`${customer}-echo`), "Yes, size M"), customer));
    const events = await settle();
    expect(typesOf(events)).toEqual(["message.received"]);
    const [received] = events;
    expect(received).toMatchObject({
      type: "message.received",
      imoId: IMO,
      data: {
        igAccountId: ACCOUNT,
        conversationId: `${ACCOUNT}_${customer}`,
        messageId: midOf(`${customer}-1`),
        message: {
          type: "text",
          text: "Is the linen shirt in stock?",
          direction: "inbound",
          source: "customer",
        },
      },
    });
    expect(JSON.stringify(received)).not.toMatch(/token|secret/i);
  });

  it("an edit, a reaction, an unsend and a read → message.changed naming the change, never message.received", async () => {
    const customer = newCustomer();
    const mid = midOf(`${customer}-2`);
    const now = Date.now();
    await deliver(fromCustomer(now, text(mid, "first"), customer));
    await settle();
    await deliver(fromCustomer(now + 1, edit(mid, "second", 1), customer));
    await deliver(fromBusiness(now + 2, react(mid), customer));
    await deliver(fromCustomer(now + 3, unsend(mid), customer));
    const events = await settle();
    expect(typesOf(events)).toEqual(["message.changed", "message.changed", "message.changed"]);
    const changes = events.map((event) => (event.type === "message.changed" ? event.data.changes : []));
    expect(changes).toEqual([["edited"], ["reaction"], ["unsent"]]);
    const last = events.at(-1);
    expect(last?.type === "message.changed" && last.data.message).toMatchObject({ type: "deleted" });
    expect(last?.type === "message.changed" && last.data.message.text).toBeUndefined();
  });

  it("a read of a message we sent → message.changed `seen`", async () => {
    const customer = newCustomer();
    const mid = midOf(`${customer}-3`);
    const now = Date.now();
    await deliver(fromBusiness(now, echo(mid, "Our reply"), customer));
    await settle();
    await deliver(fromCustomer(now + 1_000, read(mid), customer));
    const events = await settle();
    expect(typesOf(events)).toEqual(["message.changed"]);
    expect(events[0]?.type === "message.changed" && events[0].data.changes).toEqual(["seen"]);
  });

  it("an API message's transitions → message.status_changed queued, sending, sent; a failure carries its reason", async () => {
    const store = dynamoOutboundStore({ db, tableName });
    const message = (messageId: string): OutboundMessage => ({
      imoId: IMO,
      userId: `user-of-${IMO}`,
      igAccountId: ACCOUNT,
      igsid: newCustomer(),
      messageId,
      status: "queued",
      content: { text: "Thanks!" },
      acceptedAt: Date.now(),
      attempts: 0,
    });
    const sent = message("0b6f3a52-0000-4000-8000-000000000001");
    const failed = message("0b6f3a52-0000-4000-8000-000000000002");
    expect(await store.create(sent)).toBe("created");
    expect(await store.markSending(sent, Date.now(), Date.now())).toBe(true);
    await store.markSent({ ...sent, status: "sending" }, "mid-sent-1", Date.now());
    expect(await store.create(failed)).toBe("created");
    expect(await store.markFailed(failed, "queued", "window_closed", Date.now())).toBe(true);
    const events = await settle();
    const statuses = events.map((event) =>
      event.type === "message.status_changed"
        ? [
            event.data.messageId.slice(-1),
            event.data.previousStatus,
            event.data.status,
            event.data.failureReason,
          ]
        : [event.type],
    );
    expect(statuses).toEqual([
      ["1", undefined, "queued", undefined],
      ["1", "queued", "sending", undefined],
      ["1", "sending", "sent", undefined],
      ["2", undefined, "queued", undefined],
      ["2", "queued", "failed", "window_closed"],
    ]);
    expect(events.every((event) => event.userId === `user-of-${IMO}`)).toBe(true);
  });

  it("an integration's status change → integration.status_changed (any status, and `removed`); other saves → nothing", async () => {
    const store = dynamoIntegrationStore(db, tableName);
    const imoId = "imo-integration-events";
    await connectIntegration(tableName, imoId, "17841400000000077");
    const current = await store.get(imoId, `user-of-${imoId}`);
    if (!current) throw new Error("no integration");
    // A save that changes no status (a token refresh) is not an event.
    await store.save({ ...current, updatedAt: 2, version: current.version + 1 }, current.version);
    const reauth = {
      ...current,
      status: "needs_reauth" as const,
      updatedAt: 3,
      version: current.version + 2,
    };
    await store.save(reauth, current.version + 1);
    await store.remove(reauth);
    const events = (await settle()).filter((event) => event.imoId === imoId);
    expect(
      events.map(
        (event) =>
          event.type === "integration.status_changed" && [event.data.previousStatus, event.data.status],
      ),
    ).toEqual([
      [undefined, "connected"],
      ["connected", "needs_reauth"],
      ["needs_reauth", "removed"],
    ]);
    expect(events.every((event) => event.userId === `user-of-${imoId}`)).toBe(true);
  });

  it("a data deletion reaching `completed` → data_deletion.completed once; the pending record → nothing", async () => {
    const store = dynamoDataDeletionStore(db, tableName);
    // The erasure job's real writes: open (pending), counts, completion; a second completion fails its condition.
    await store.open("DEL-EVENTS-1", 1);
    await store.addCounts("DEL-EVENTS-1", { integrations: 1, conversations: 2, messages: 3, other: 4 });
    await store.complete("DEL-EVENTS-1", 2);
    await store.complete("DEL-EVENTS-1", 3).catch(() => undefined);
    const events = await settle();
    expect(typesOf(events)).toEqual(["data_deletion.completed"]);
    expect(events[0]?.data).toEqual({
      confirmationCode: "DEL-EVENTS-1",
      erased: { integrations: 1, conversations: 2, messages: 3 },
    });
  });
});

describe("nothing lost, nothing invented", () => {
  it("a failed write (a conditional check that fails) produces no event", async () => {
    const store = dynamoOutboundStore({ db, tableName });
    const message: OutboundMessage = {
      imoId: IMO,
      userId: `user-of-${IMO}`,
      igAccountId: ACCOUNT,
      igsid: newCustomer(),
      messageId: "0b6f3a52-0000-4000-8000-000000000003",
      status: "queued",
      content: { text: "Once" },
      acceptedAt: Date.now(),
      attempts: 0,
    };
    await store.create(message);
    await settle();
    // Not `sending`, so marking it sent fails its condition; marking a queued message failed "from sending" too.
    await expect(store.markSent(message, "mid-x", Date.now())).rejects.toThrow();
    expect(await store.markFailed(message, "sending", "rejected_by_meta", Date.now())).toBe(false);
    expect(await settle()).toEqual([]);
  });

  it("a crash after publishing redelivers the batch: the same ids again, none lost, none new", async () => {
    const customer = newCustomer();
    const now = Date.now();
    await deliver(
      fromCustomer(now, text(midOf(`${customer}-a`), "one"), customer),
      fromCustomer(now + 1, text(midOf(`${customer}-b`), "two"), customer),
    );
    crashNext = 1;
    const events = await settle();
    const ids = events.map((event) => event.id);
    // Published twice (before the crash and on the retry), with the same two ids.
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(2);
    expect(ids.slice(0, 2)).toEqual(ids.slice(2));
  });

  it("a publish failure mid-batch resumes at that record: nothing lost, nothing published twice", async () => {
    const customer = newCustomer();
    const now = Date.now();
    await deliver(fromCustomer(now, text(midOf(`${customer}-c`), "three"), customer));
    failNext = 2;
    const events = await settle();
    expect(typesOf(events)).toEqual(["message.received"]);
    expect(events[0]?.type === "message.received" && events[0].data.messageId).toBe(midOf(`${customer}-c`));
  });

  it("events of one conversation keep the order of its writes", async () => {
    const customer = newCustomer();
    const now = Date.now();
    const mids = [1, 2, 3, 4, 5].map((n) => midOf(`${customer}-o${n}`));
    for (const [i, mid] of mids.entries()) {
      await deliver(fromCustomer(now + i, text(mid, `message ${i}`), customer));
    }
    await deliver(fromCustomer(now + 10, edit(mids[0] as string, "edited", 1), customer));
    const events = await settle();
    expect(
      events.map((event) =>
        event.type.startsWith("message.")
          ? `${event.type}:${(event.data as { messageId: string }).messageId}`
          : "",
      ),
    ).toEqual([...mids.map((mid) => `message.received:${mid}`), `message.changed:${mids[0]}`]);
  });

  it("every event validates against its contract schema and ids are unique", () => {
    expect(bus.length).toBeGreaterThan(10);
    for (const event of bus) expect(AppEvent.safeParse(event).success).toBe(true);
    const unique = new Set(bus.map((event) => event.id));
    // Only the crash test republished (two ids twice).
    expect(unique.size).toBe(bus.length - 2);
  });
});
