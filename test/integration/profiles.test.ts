import { randomUUID } from "node:crypto";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { DeleteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createProfileQueues } from "../../dev/services/provision";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { ProfileAttributes } from "../../lambdas/adapters/dynamo/profiles";
import { ConversationsPage, MessagesPage } from "../../lambdas/contract/api/index";
import { Paths } from "../../lambdas/contract/routes";
import { conversationId } from "../../lambdas/domain/conversation";
import { APP_WIDE_LIMITER } from "../../lambdas/domain/outbound/retry";
import { type CallbackHandler, type CallbackServer, serveCallbacks } from "../support/callback-server";
import {
  ACCOUNTS,
  type ConnectHarness,
  expectConnected,
  startConnectHarness,
} from "../support/connect-harness";
import { httpEvent, lambdaContext } from "../support/http-event";
import { localSqs } from "../support/local-aws";
import { receiveRecords } from "../support/outbound-harness";
import { scanTable } from "../support/table-scan";

/**
 * Customer profiles end to end: Meta (the simulator) posts DMs to the real webhook handler behind a small HTTP
 * front; the webhook queues profile jobs on fauxqs; the real profile-fetch handler reads the simulator's User
 * Profile API; the app routes show the `customer` block. The guarantees: the profile follows the first DM, a
 * burst makes one fetch, a refusal keeps the conversation usable, stale profiles and expired pictures are
 * refreshed, a throttle is retried later and not lost, other tenants never see it, data deletion erases it.
 */
type Handler = CallbackHandler;
type Worker = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

const ACCOUNT = ACCOUNTS.riviera.igId;
let h: ConnectHarness;
let server: CallbackServer;
let queueUrl: string;
let webhook: Handler;
let list: Handler;
let messages: Handler;
let fetchProfiles: Worker;
let n = 0;

const tenantOf = () => ({ userId: `agent-${++n}`, imoId: `org-prof-${n}-${randomUUID().slice(0, 6)}` });
const newIgsid = () => `35${String(Date.now()).slice(-9)}${String(++n).padStart(5, "0")}`;

/** Tenants connected by the running case; disconnected after it, so the next case's DMs reach only its own. */
const live: { userId: string; imoId: string }[] = [];

async function connected(account = ACCOUNTS.riviera) {
  const tenant = tenantOf();
  expectConnected(await h.connect(tenant, account.username));
  live.push(tenant);
  return tenant;
}

function get(handler: Handler, tenant: { userId: string; imoId: string }, route: string, input = {}) {
  return handler(
    httpEvent({ method: "GET", route, claims: { sub: tenant.userId, imo_id: tenant.imoId }, ...input }),
    lambdaContext(),
  );
}

async function inbox(tenant: { userId: string; imoId: string }, query: Record<string, string> = {}) {
  const result = await get(list, tenant, Paths.conversations, { query: query });
  expect(result.statusCode).toBe(200);
  return ConversationsPage.parse(JSON.parse(String(result.body)));
}

async function thread(tenant: { userId: string; imoId: string }, igsid: string) {
  const id = conversationId(ACCOUNT, igsid);
  return get(messages, tenant, Paths.conversationMessages, {
    path: Paths.conversationMessages.replace("{conversationId}", id),
    pathParameters: { conversationId: id },
  });
}

/** Receipt handles of the records the last run reported failed (to end their wait early in a test). */
let lastFailedHandles: string[] = [];

/** Runs the profile worker on what the queue holds now, as the event source would; returns the batch answers. */
async function runProfileJobs(): Promise<{ records: number; failures: string[] }> {
  const records = await receiveRecords(queueUrl, 10);
  if (records.length === 0) return { records: 0, failures: [] };
  const answer = await fetchProfiles({ Records: records }, lambdaContext());
  const failures = answer.batchItemFailures.map((f) => f.itemIdentifier);
  lastFailedHandles = records.filter((r) => failures.includes(r.messageId)).map((r) => r.receiptHandle);
  // What Lambda's event source does with a partial batch answer: the records not reported failed are deleted.
  for (const record of records.filter((r) => !failures.includes(r.messageId))) {
    await localSqs().send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle }),
    );
  }
  return { records: records.length, failures };
}

const profileReads = (igsid: string) =>
  h.sim.requests().filter((r) => r.method === "GET" && r.path.endsWith(`/${igsid}`));

async function conversationItem(imoId: string, igsid: string) {
  return h.rawItem(Keys.conversation(imoId, ACCOUNT, igsid));
}

async function queueDepth(): Promise<{ visible: number; inFlight: number }> {
  const result = await localSqs().send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return {
    visible: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** Moves a stored timestamp of the conversation (the passing of days, without waiting for them). */
async function setStored(imoId: string, igsid: string, values: Record<string, number>) {
  const names = Object.keys(values);
  await documentClient().send(
    new UpdateCommand({
      TableName: h.tableName,
      Key: Keys.conversation(imoId, ACCOUNT, igsid),
      UpdateExpression: `SET ${names.map((_, i) => `#n${i} = :v${i}`).join(", ")}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#n${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:v${i}`, values[name]])),
    }),
  );
}

beforeAll(async () => {
  const queues = await createProfileQueues(localSqs(), `test-profiles-${randomUUID().slice(0, 8)}`);
  queueUrl = queues.queueUrl;
  h = await startConnectHarness({ PROFILE_QUEUE_URL: queueUrl });
  webhook = (await import("../../lambdas/handlers/webhook-receive")).handler as Handler;
  list = (await import("../../lambdas/handlers/conversations-list")).handler as Handler;
  messages = (await import("../../lambdas/handlers/conversation-messages")).handler as Handler;
  fetchProfiles = (await import("../../lambdas/handlers/profile-fetch")).handler as unknown as Worker;
  server = await serveCallbacks({
    "/instagram/webhook": webhook,
    "/instagram/data-deletion": h.handlers.dataDeletion,
  });
  h.sim.setWebhookUrl(`${server.base}/instagram/webhook`);
});

afterAll(async () => {
  await server?.close();
  await h?.stop();
});

afterEach(async () => {
  await fetch(`${h.sim.url}/_sim/throttle`, { method: "DELETE" });
  for (const tenant of live.splice(0)) await h.disconnect(tenant);
});

beforeEach(async () => {
  h.sim.clearFaults();
  // Jobs left by an earlier case are not this case's.
  while ((await runProfileJobs()).records > 0);
});

describe("a customer's first DM", () => {
  it("yields a conversation whose profile is filled by the queued fetch, with every documented field", async () => {
    const tenant = await connected();
    const igsid = newIgsid();
    h.sim.setCustomer({
      igsid,
      name: "Lucía Fernández",
      username: "lucia.fz",
      followerCount: 1520,
      isUserFollowBusiness: true,
      isBusinessFollowUser: false,
      isVerifiedUser: true,
    });
    await h.sim.sendCustomerMessage({ igAccountId: ACCOUNT, igsid, text: "Hola" });

    // Acknowledged before any profile read: the conversation is there, the profile not yet.
    expect(profileReads(igsid)).toHaveLength(0);
    const before = (await inbox(tenant)).items.find((c) => c.participant.igsid === igsid);
    expect(before).toBeDefined();
    expect(before?.customer).toBeUndefined();

    expect(await runProfileJobs()).toEqual({ records: 1, failures: [] });
    const after = (await inbox(tenant)).items.find((c) => c.participant.igsid === igsid);
    expect(after?.customer).toMatchObject({
      name: "Lucía Fernández",
      username: "lucia.fz",
      followerCount: 1520,
      isVerified: true,
      followsBusiness: true,
      businessFollows: false,
    });
    expect(after?.customer?.profilePictureUrl).toMatch(/^https:\/\/scontent.*oe=[0-9A-F]+/);
    expect(Date.parse(String(after?.customer?.fetchedAt))).toBeGreaterThan(Date.now() - 60_000);
    // One read, with exactly the documented fields, with the account's token as a Bearer header.
    const reads = profileReads(igsid);
    expect(reads).toHaveLength(1);
    expect(reads[0]?.query.fields?.split(",").sort()).toEqual(
      [
        "follower_count",
        "is_business_follow_user",
        "is_user_follow_business",
        "is_verified_user",
        "name",
        "profile_pic",
        "username",
      ].sort(),
    );
    expect(reads[0]?.hasBearer).toBe(true);

    const page = await thread(tenant, igsid);
    expect(page.statusCode).toBe(200);
    const body = MessagesPage.parse(JSON.parse(String(page.body)));
    expect(body.customer?.username).toBe("lucia.fz");
    expect(JSON.stringify(body)).not.toContain("token");
  });

  it("a burst of 50 DMs from one customer makes one fetch", async () => {
    await connected();
    const igsid = newIgsid();
    // Fifty deliveries, five in flight at a time (Meta sends concurrently; this machine is small).
    for (let i = 0; i < 50; i += 5) {
      await Promise.all(
        Array.from({ length: 5 }, (_, j) =>
          h.sim.sendCustomerMessage({ igAccountId: ACCOUNT, igsid, text: `message ${i + j}` }),
        ),
      );
    }
    let jobs = 0;
    for (let r = await runProfileJobs(); r.records > 0; r = await runProfileJobs()) jobs += r.records;
    expect(jobs).toBe(1);
    expect(profileReads(igsid)).toHaveLength(1);
  });

  it("a fresh profile is not fetched again on the next DM", async () => {
    await connected();
    const igsid = newIgsid();
    await h.sim.sendCustomerMessage({ igAccountId: ACCOUNT, igsid, text: "first" });
    await runProfileJobs();
    await h.sim.sendCustomerMessage({ igAccountId: ACCOUNT, igsid, text: "second" });
    expect(await runProfileJobs()).toEqual({ records: 0, failures: [] });
    expect(profileReads(igsid)).toHaveLength(1);
  });
});

describe("refusals and refreshes", () => {
  it("a profile Meta refuses marks it unavailable; the conversation stays usable", async () => {
    const tenant = await connected();
    const igsid = newIgsid();
    h.sim.setCustomer({ igsid, name: "Blocked Person", username: "blocked.person", blockedBusiness: true });
    await h.sim.sendCustomerMessage({ igAccountId: ACCOUNT, igsid, text: "bye" });
    expect(await runProfileJobs()).toEqual({ records: 1, failures: [] });

    const listed = (await inbox(tenant)).items.find((c) => c.participant.igsid === igsid);
    expect(listed?.customer).toEqual({ unavailable: true, fetchedAt: expect.any(String) });
    expect(listed?.unreadCount).toBe(1);
    const page = await thread(tenant, igsid);
    expect(page.statusCode).toBe(200);
    expect(MessagesPage.parse(JSON.parse(String(page.body))).items).toHaveLength(1);
    // Nothing of the refused profile is stored.
    const item = await conversationItem(tenant.imoId, igsid);
    expect(item?.customerProfile).toBeUndefined();
    expect(JSON.stringify(item)).not.toContain("blocked.person");
  });

  it("an expired picture link is refreshed on the next DM", async () => {
    const tenant = await connected();
    const igsid = newIgsid();
    await h.sim.sendCustomerMessage({ igAccountId: ACCOUNT, igsid, text: "one" });
    await runProfileJobs();
    const first = await conversationItem(tenant.imoId, igsid);
    // Three days later the picture link (oe=) has expired.
    await setStored(tenant.imoId, igsid, { profilePictureExpiresAt: Date.now() - 1000 });
    h.sim.setCustomer({ igsid, name: "Renamed Customer", username: "renamed.customer" });
    await h.sim.sendCustomerMessage({ igAccountId: ACCOUNT, igsid, text: "two" });
    expect(await runProfileJobs()).toEqual({ records: 1, failures: [] });
    const second = await conversationItem(tenant.imoId, igsid);
    expect(Number(second?.profileFetchedAt)).toBeGreaterThanOrEqual(Number(first?.profileFetchedAt));
    expect(Number(second?.profilePictureExpiresAt)).toBeGreaterThan(Date.now());
    expect((await inbox(tenant)).items.find((c) => c.participant.igsid === igsid)?.customer?.username).toBe(
      "renamed.customer",
    );
  });

  it("a profile older than 7 days is refreshed on the next DM", async () => {
    const tenant = await connected();
    const igsid = newIgsid();
    await h.sim.sendCustomerMessage({ igAccountId: ACCOUNT, igsid, text: "one" });
    await runProfileJobs();
    await setStored(tenant.imoId, igsid, { profileFetchedAt: Date.now() - 8 * 86_400_000 });
    await h.sim.sendCustomerMessage({ igAccountId: ACCOUNT, igsid, text: "two" });
    expect(await runProfileJobs()).toEqual({ records: 1, failures: [] });
    expect(profileReads(igsid)).toHaveLength(2);
  });

  it("a throttled fetch is retried later, not lost, and pauses the account as Meta asked", async () => {
    const tenant = await connected();
    const igsid = newIgsid();
    await h.sim.sendCustomerMessage({ igAccountId: ACCOUNT, igsid, text: "hello?" });
    // Meta throttles the account (80002, two minutes to regain access) when the worker asks.
    h.sim.throttle({ regainAccessMinutes: 2 });

    const throttled = await runProfileJobs();
    expect(throttled.records).toBe(1);
    expect(throttled.failures).toHaveLength(1);
    // Kept on the queue, hidden for Meta's wait; the profile is not marked anything.
    expect(await queueDepth()).toEqual({ visible: 0, inFlight: 1 });
    expect((await conversationItem(tenant.imoId, igsid))?.profileStatus).toBeUndefined();
    const limiter = await h.rawItem(Keys.sendLimiter(ACCOUNT));
    expect(Number(limiter?.pausedUntil)).toBeGreaterThan(Date.now() + 60_000);

    // Two minutes later (Meta's throttle, our pause and the record's visibility lapse): the same job succeeds.
    expect((await fetch(`${h.sim.url}/_sim/throttle`, { method: "DELETE" })).status).toBe(200);
    await setLimiterPause(Date.now() - 1);
    for (const handle of lastFailedHandles) {
      await localSqs().send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: handle,
          VisibilityTimeout: 0,
        }),
      );
    }
    expect(await runProfileJobs()).toEqual({ records: 1, failures: [] });
    expect((await inbox(tenant)).items.find((c) => c.participant.igsid === igsid)?.customer?.username).toBe(
      `customer_${igsid}`,
    );
  });
});

describe("tenants and search", () => {
  it("q= finds by username or name prefix, any case, with cursor paging; other tenants see nothing", async () => {
    const tenant = await connected();
    const names = [
      { name: "Marta Quintana", username: "marta.q" },
      { name: "Pedro Quiroga", username: "quiroga_p" },
      { name: "Ana Ruiz", username: "anaruiz" },
    ];
    const ids: string[] = [];
    for (const profile of names) {
      const igsid = newIgsid();
      ids.push(igsid);
      h.sim.setCustomer({ igsid, ...profile });
      await h.sim.sendCustomerMessage({ igAccountId: ACCOUNT, igsid, text: "hi" });
    }
    while ((await runProfileJobs()).records > 0);

    const usernames = async (q: string) =>
      (await inbox(tenant, { q })).items.map((c) => c.customer?.username).sort();
    expect(await usernames("QUI")).toEqual(["marta.q", "quiroga_p"]); // username prefix, and a name word
    expect(await usernames("marta")).toEqual(["marta.q"]);
    expect(await usernames("ana r")).toEqual(["anaruiz"]);
    expect(await usernames("zzz")).toEqual([]);
    // Same cursor paging: one per page, the cursor keeps the search.
    const first = await inbox(tenant, { q: "qui", limit: "1" });
    expect(first.items).toHaveLength(1);
    const second = await inbox(tenant, { q: "qui", limit: "1", cursor: String(first.nextCursor) });
    expect(second.items.map((c) => c.customer?.username)).not.toEqual(
      first.items.map((c) => c.customer?.username),
    );
    // A cursor of the unsearched list does not continue the searched one.
    const plain = await inbox(tenant, { limit: "1" });
    const mixed = await get(list, tenant, Paths.conversations, {
      query: { q: "qui", cursor: String(plain.nextCursor) },
    });
    expect(mixed.statusCode).toBe(400);

    // Another organisation (its own account) finds nothing and cannot open the thread.
    const other = await connected(ACCOUNTS.second);
    expect((await inbox(other, { q: "marta" })).items).toEqual([]);
    expect((await thread(other, ids[0] as string)).statusCode).toBe(404);
    expect(JSON.stringify(await inbox(other))).not.toContain("marta");
  });

  it("a bad q is a 400 problem and changes nothing", async () => {
    const tenant = await connected();
    for (const q of ["", "   ", "x".repeat(101)]) {
      const result = await get(list, tenant, Paths.conversations, { query: { q } });
      expect(result.statusCode).toBe(400);
      expect(String(result.headers?.["content-type"])).toContain("application/problem+json");
    }
  });
});

describe("data deletion", () => {
  it("erases the profile: no profile attribute or value remains anywhere", async () => {
    const alice = await connected();
    const igsid = newIgsid();
    h.sim.setCustomer({ igsid, name: "Erased Person", username: "erased.person.zz" });
    await h.sim.sendCustomerMessage({ igAccountId: ACCOUNT, igsid, text: "delete me later" });
    await runProfileJobs();
    expect((await conversationItem(alice.imoId, igsid))?.customerProfile).toBeDefined();
    // A new second: a signed_request of an earlier second's bytes would be a replay.
    await new Promise((resolve) => setTimeout(resolve, 1005 - (Date.now() % 1000)));

    const answer = await h.sim.requestDataDeletion({
      url: `${server.base}/instagram/data-deletion`,
      igAccountId: ACCOUNT,
      userId: "app_scoped",
    });
    expect(answer.status).toBe(200);
    expect(await h.runErasureJobs()).toBeGreaterThanOrEqual(1);

    const items = await scanTable(h.tableName);
    const ofAlice = items.filter((item) => JSON.stringify(item).includes(alice.imoId));
    for (const item of ofAlice) for (const name of ProfileAttributes) expect(item[name]).toBeUndefined();
    const text = JSON.stringify(items);
    expect(text).not.toContain("erased.person.zz");
    expect(text).not.toContain("Erased Person");
  });
});

describe("jobs that cannot run", () => {
  it("a job for a conversation erased meanwhile stores nothing and never re-creates it", async () => {
    const tenant = await connected();
    const igsid = newIgsid();
    await h.sim.sendCustomerMessage({ igAccountId: ACCOUNT, igsid, text: "hello" });
    // Erased between queueing and fetching (as the erasure worker deletes conversation items).
    await documentClient().send(
      new DeleteCommand({ TableName: h.tableName, Key: Keys.conversation(tenant.imoId, ACCOUNT, igsid) }),
    );
    expect(await runProfileJobs()).toEqual({ records: 1, failures: [] });
    expect(await conversationItem(tenant.imoId, igsid)).toBeUndefined();
    expect(profileReads(igsid)).toHaveLength(0);
  });

  it("a record that is not a job fails (towards the DLQ) without touching anything; job bodies carry only keys", async () => {
    await connected();
    const igsid = newIgsid();
    await h.sim.sendCustomerMessage({ igAccountId: ACCOUNT, igsid, text: "hello" });
    const [job] = await receiveRecords(queueUrl, 10);
    expect(Object.keys(JSON.parse(String(job?.body))).sort()).toEqual(["igAccountId", "igsid", "imoId"]);
    await localSqs().send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: String(job?.receiptHandle),
        VisibilityTimeout: 0,
      }),
    );
    await localSqs().send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"imoId":"x","igsid":"1"}' }),
    );
    const run = await runProfileJobs();
    expect(run.records).toBe(2);
    expect(run.failures).toHaveLength(1);
    expect(profileReads(igsid)).toHaveLength(1);
    for (const handle of lastFailedHandles) {
      await localSqs().send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: handle }));
    }
  });
});

async function setLimiterPause(until: number) {
  for (const id of [ACCOUNT, APP_WIDE_LIMITER]) {
    await documentClient().send(
      new UpdateCommand({
        TableName: h.tableName,
        Key: Keys.sendLimiter(id),
        UpdateExpression: "SET pausedUntil = :until",
        ExpressionAttributeValues: { ":until": until },
      }),
    );
  }
}
