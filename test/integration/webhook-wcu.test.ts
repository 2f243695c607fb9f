import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CallSummary, DynamoMeter, summarise } from "../../bench/support/dynamo-meter";
import { itemBytes } from "../../bench/support/write-pricing";
import { createProfileQueues } from "../../dev/services/provision";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { dynamoInboundStore } from "../../lambdas/adapters/dynamo/inbound-store";
import { dynamoIntegrationRouting } from "../../lambdas/adapters/dynamo/integration-routing";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { dynamoProfileStore } from "../../lambdas/adapters/dynamo/profiles";
import { ingestDelivery } from "../../lambdas/domain/webhook/ingest";
import { parseDelivery } from "../../lambdas/domain/webhook/parse";
import { profileRequests } from "../../lambdas/wiring/profiles";
import { freshTable, localDynamo, localSqs } from "../support/local-aws";
import { ACCOUNT, deliveryOf, fromCustomer, midOf, TEXT_MID, text } from "../support/webhook-fixtures";
import { connectIntegration } from "../support/webhook-seed";

/**
 * What an inbound delivery costs in DynamoDB as AWS would charge it: every request goes through the bench's
 * metering proxy in pricing mode, which prices each write from the items before and after it by the rules of
 * AWS's DynamoDB Developer Guide (bench/support/write-pricing.ts; DynamoDB Local misprices transactions). The
 * figures are the ones docs/performance.md reports; the bounds fail the build if they regress.
 */

const IMO = "imo-cost";
let meter: DynamoMeter;
let tableName: string;
let deps: Parameters<typeof ingestDelivery>[1];
const report: Record<string, unknown> = {};

beforeAll(async () => {
  const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (!endpoint) throw new Error("AWS_ENDPOINT_URL_DYNAMODB is not set (see test/support/aws-env.ts)");
  meter = await new DynamoMeter(endpoint).start();
  meter.priceTransactions = true;
  tableName = await freshTable(localDynamo());
  await connectIntegration(tableName, IMO, ACCOUNT);
  const db = documentClient(new DynamoDBClient({ endpoint: meter.endpoint }));
  const queues = await createProfileQueues(localSqs(), `cost-${Date.now()}`);
  deps = {
    store: dynamoInboundStore(db, tableName),
    routing: dynamoIntegrationRouting(db, tableName),
    profiles: profileRequests(
      { tableName, queueUrl: queues.queueUrl },
      { db, sqs: localSqs(), log: () => undefined, count: () => undefined },
    ),
    count: () => undefined,
    log: () => undefined,
    concurrency: 32,
    now: () => Date.now(),
  };
});

afterAll(async () => {
  await meter?.stop();
});

async function ingest(body: string): Promise<CallSummary & { stored: number; duplicates: number }> {
  meter.reset();
  const summary = await ingestDelivery(parseDelivery(body), deps);
  const calls = summarise(meter.calls);
  return { ...calls, stored: summary.stored, duplicates: summary.duplicates };
}

const customer = (n: number) => String(6_000_000_000_000_000 + n);
let clock = 1_780_000_000_000;
function message(n: number, who: number) {
  clock += 1000;
  const body = text(midOf(`wcu-${n}`), `Do you still have the linen shirt in size M? (${n})`);
  return fromCustomer(clock, body, customer(who));
}

const profiles = () => dynamoProfileStore({ db: documentClient(), tableName });
const ref = (who: number) => ({ imoId: IMO, igAccountId: ACCOUNT, igsid: customer(who) });
/** A profile as Meta returns one (shared/reference/graph-responses.md's CDN picture URL), fetched at `at`. */
const fetchedProfile = (at: number) => ({
  status: "available" as const,
  fetchedAt: at,
  pictureExpiresAt: at + 3 * 86_400_000,
  profile: {
    name: "Ana Belén Ruiz",
    username: "ana.belen.linen",
    profilePictureUrl:
      "https://scontent-mad1-1.cdninstagram.com/v/t51.2885-19/487211394_1063_n.jpg?stp=dst-jpg_s206x206&_nc_cat=101&ccb=1-7&oh=00_AfB1x&oe=67D9A1B2",
    followerCount: 1234,
    isVerified: false,
    followsBusiness: true,
    businessFollows: false,
  },
});

describe("DynamoDB write units of inbound deliveries, priced as AWS charges them", () => {
  it("one text DM: the routing query, then the message and its conversation in one transaction beside a profile read", async () => {
    // A new conversation: its profile is claimed once the conversation exists (a third round trip, once).
    const first = await ingest(deliveryOf([message(1, 1)]));
    report.firstMessageOfConversation = first;
    expect(first.byOperation).toEqual({ Query: 2, TransactWriteItems: 1, UpdateItem: 1 });
    expect(first.writeUnits).toBeLessThanOrEqual(8);
    expect(first.sequentialRoundTrips).toBeLessThanOrEqual(3);

    // Its fetch was requested a moment ago: no claim.
    const next = await ingest(deliveryOf([message(2, 1)]));
    report.nextMessage = next;
    expect(next.byOperation).toEqual({ Query: 2, TransactWriteItems: 1 });

    // The steady state: the customer's profile is fresh (and the conversation holds it, 917 bytes).
    await profiles().save(ref(1), fetchedProfile(Date.now()));
    const steady = await ingest(deliveryOf([message(3, 1)]));
    report.nextMessageProfileFresh = steady;
    expect(steady.byOperation).toEqual({ Query: 2, TransactWriteItems: 1 });
    // Message: 2 (transactional) + 1 (gsi1 put); conversation: 2 (transactional) + 2 (gsi1 key move).
    expect(steady.writeUnits).toBeLessThanOrEqual(7);
    expect(steady.sequentialRoundTrips).toBeLessThanOrEqual(2);
    expect(steady.readUnits).toBeLessThanOrEqual(1); // the routing query and the profile read, 0.5 each

    const again = await ingest(deliveryOf([message(3, 1)]));
    report.redelivered = again;
    expect(again.duplicates).toBe(1);
    expect(again.writeItems).toBe(0);
    for (const row of [first, next, steady]) expect(row.stored).toBe(1);
    report.itemBytes = await storedSizes();
  });

  it("a profile that is due is still claimed, once", async () => {
    await ingest(deliveryOf([message(4, 2)]));
    await profiles().save(ref(2), fetchedProfile(Date.now() - 8 * 86_400_000));
    const stale = await ingest(deliveryOf([message(5, 2)]));
    expect(stale.byOperation).toEqual({ Query: 2, TransactWriteItems: 1, UpdateItem: 1 });
    const stored = await documentClient().send(
      new GetCommand({ TableName: tableName, Key: Keys.conversation(IMO, ACCOUNT, customer(2)) }),
    );
    expect(stored.Item?.profileRequestedAt).toBeGreaterThan(Date.now() - 60_000);
    const burst = await ingest(deliveryOf([message(6, 2)]));
    expect(burst.byOperation).toEqual({ Query: 2, TransactWriteItems: 1 });
  });

  it("a conversation past 1 KB (a real-length picture URL and mid) doubles its writes", async () => {
    // Meta's CDN links carry more query parameters than the reference's shortened one (~330 characters).
    const longUrl = `https://scontent-iad3-2.cdninstagram.com/v/t51.2885-19/449717958_1234567890123456_1234567890123456789_n.jpg?stp=dst-jpg_s206x206_tt6&_nc_cat=100&ccb=1-7&_nc_sid=bf7eb4&_nc_ohc=${"A".repeat(17)}&_nc_zt=24&_nc_ht=scontent-iad3-2.cdninstagram.com&_nc_gid=${"B".repeat(22)}&oh=00_${"C".repeat(46)}&oe=67D9A1B2`;
    const profile = fetchedProfile(Date.now());
    await ingest(deliveryOf([message(7, 3)]));
    await profiles().save(ref(3), {
      ...profile,
      profile: { ...profile.profile, profilePictureUrl: longUrl },
    });
    clock += 1000;
    // A mid as long as Meta's (the text fixture's, 156 characters).
    const realMid = `${TEXT_MID.slice(0, -20)}${String(clock).padStart(20, "0")}`;
    const long = await ingest(deliveryOf([fromCustomer(clock, text(realMid, "And in blue?"), customer(3))]));
    const sizes = await storedSizes(customer(3));
    report.conversationPast1KB = { ...long, itemBytes: sizes };
    expect(sizes.conversation).toBeGreaterThan(1024);
    // Message 2 + 1; conversation 2 × 2 (transactional, 2 KB) + 2 + 2 (its 2 KB gsi1 entry moves).
    expect(long.writeUnits).toBeLessThanOrEqual(11);
  });

  // The bench's 1000-event delivery has 20 messages per conversation; so has this one, in less time.
  it("a 200-event delivery over 10 new conversations", { timeout: 120_000 }, async () => {
    const events = Array.from({ length: 200 }, (_, i) => message(10_000 + i, 100 + (i % 10)));
    const batch = await ingest(deliveryOf(events));
    report.batchOf200 = { ...batch, writeUnitsPerEvent: batch.writeUnits / 200 };
    expect(batch.stored).toBe(200);
    // Per message 2 + 1; per conversation 2 + 1 (new) and its profile claim 2 (the claim moves its gsi1 entry).
    expect(batch.writeUnits / 200).toBeLessThanOrEqual(3.25);
  });

  it("prints the report", () => {
    console.info(`webhook write units: ${JSON.stringify(report, null, 2)}`);
  });
});

async function storedSizes(igsid?: string): Promise<Record<string, number>> {
  const items = (await localDynamo().send(new ScanCommand({ TableName: tableName }))).Items ?? [];
  const mine = items.filter((item) => igsid === undefined || item.igsid?.S === igsid);
  return Object.fromEntries(mine.map((item) => [String(item.entity?.S), itemBytes(item)]));
}
