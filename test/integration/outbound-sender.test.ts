import { DeleteMessageCommand } from "@aws-sdk/client-sqs";
import { DeleteCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetaSimulator, startMetaSimulator } from "../../dev/meta-simulator/index";
import type { CapacityMeter } from "../../lambdas/adapters/dynamo/capacity";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { dynamoInboundStore } from "../../lambdas/adapters/dynamo/inbound-store";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { dynamoOutboundStore } from "../../lambdas/adapters/dynamo/outbound-messages";
import { sqsClient } from "../../lambdas/adapters/sqs/client";
import { conversationId } from "../../lambdas/domain/conversation";
import { processBatch } from "../../lambdas/domain/outbound/batch";
import { HOUR_MS } from "../../lambdas/domain/outbound/limiter";
import { DEFAULT_RETRY } from "../../lambdas/domain/outbound/retry";
import { outboundWiring } from "../../lambdas/wiring/outbound";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { TEST_KEYS } from "../support/keys";
import { freshQueues, freshTable, localSqs } from "../support/local-aws";
import {
  ACCOUNT,
  claimsOf,
  getMessage,
  type HttpHandler,
  postMessage,
  readItem,
  receiveRecords,
  seedConversation,
  seedIntegration,
} from "../support/outbound-harness";

type SqsHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

describe("sender against DynamoDB Local, the local SQS server and the Meta simulator", () => {
  let sim: MetaSimulator;
  let tableName: string;
  let queueUrl: string;
  let dlqUrl: string;
  let accept: HttpHandler;
  let get: HttpHandler;
  let integrationGet: HttpHandler;
  let sender: SqsHandler;
  let scenarioCount = 0;

  beforeAll(async () => {
    sim = await startMetaSimulator({ appId: FAKE.appId, appSecret: FAKE.igAppSecret });
    tableName = await freshTable();
    ({ queueUrl, dlqUrl } = await freshQueues());
    setHandlerEnv({
      tableName,
      OUTBOUND_QUEUE_URL: queueUrl,
      OUTBOUND_DLQ_URL: dlqUrl,
      INSTAGRAM_GRAPH_URL: sim.url,
      HUMAN_AGENT_ENABLED: "true",
    });
    accept = (await import("../../lambdas/handlers/message-send")).handler as HttpHandler;
    get = (await import("../../lambdas/handlers/message-get")).handler as HttpHandler;
    integrationGet = (await import("../../lambdas/handlers/integration-get")).handler as HttpHandler;
    sender = (await import("../../lambdas/handlers/sender")).handler as unknown as SqsHandler;
  });

  afterAll(async () => {
    await sim.stop();
  });

  /** A fresh tenant with a connected integration (real simulator token) and an open window with a new customer. */
  async function scenario() {
    scenarioCount += 1;
    const tenant = { imoId: `imo-s${scenarioCount}`, userId: `user-s${scenarioCount}` };
    const igsid = String(3_416_870_900_001_000 + scenarioCount);
    const token = sim.issueToken();
    const integration = await seedIntegration(tableName, { token, tenant });
    sim.openWindow({ igsid });
    await seedConversation(tableName, Date.now() - 60_000, { imoId: tenant.imoId, igsid });
    return { tenant, igsid, token, integration };
  }

  /** Accepts a message through the API and returns its id and the queue record Lambda would receive. */
  async function acceptOne(s: Awaited<ReturnType<typeof scenario>>, text: string) {
    const response = await postMessage(accept, { recipientId: s.igsid, text }, { tenant: s.tenant });
    expect(response.statusCode).toBe(202);
    const { messageId } = JSON.parse(response.body ?? "{}") as { messageId: string };
    const records = await receiveRecords(queueUrl);
    const record = records.find((r) => JSON.parse(r.body).messageId === messageId);
    if (record === undefined) throw new Error("record not received");
    return { messageId, record };
  }

  const runSender = (records: SQSRecord[]) => sender({ Records: records }, lambdaContext("sender"));
  const messageItem = (imoId: string, messageId: string) =>
    readItem(tableName, Keys.message(imoId, messageId));
  const sendsTo = (igsid: string) => sim.sentMessages().filter((m) => m.recipientId === igsid);

  /** The handler's wiring with an injected clock, for retries and waits that real time cannot afford. */
  function senderAt(
    clock: () => number,
    options: { cap?: number; timeoutMs?: number; meter?: CapacityMeter; metaUrl?: string } = {},
  ) {
    const metaUrl = options.metaUrl ?? sim.url;
    const wiring = outboundWiring(
      {
        tableName,
        queueUrl,
        dlqUrl,
        capPerHour: options.cap ?? 200,
        metaHosts: { oauthUrl: metaUrl, apiUrl: metaUrl, graphUrl: metaUrl, graphVersion: "v25.0" },
        ...(options.timeoutMs === undefined ? {} : { metaTimeoutMs: options.timeoutMs }),
      },
      {
        db: documentClient(),
        sqs: sqsClient(),
        now: clock,
        random: () => 0.5,
        ...(options.meter ? { meter: options.meter } : {}),
      },
    );
    const deps = wiring.sender(TEST_KEYS);
    return { deps, run: (records: SQSRecord[]) => wiring.runBatch(records, deps) };
  }

  it("sends: status sent with Meta's mid, the mid pointer written, the record deleted; GET shows it", async () => {
    const s = await scenario();
    const { messageId, record } = await acceptOne(s, "Yes! Size M is in stock.");
    const result = await runSender([record]);
    expect(result.batchItemFailures).toEqual([]);

    const [sent] = sendsTo(s.igsid);
    expect(sent?.text).toBe("Yes! Size M is in stock.");
    const item = await messageItem(s.tenant.imoId, messageId);
    expect(item).toMatchObject({ status: "sent", mid: sent?.messageId, attempts: 1 });
    expect(await readItem(tableName, Keys.sentMid(s.tenant.imoId, sent?.messageId ?? ""))).toMatchObject({
      messageId,
    });
    const status = JSON.parse((await getMessage(get, messageId, s.tenant)).body ?? "{}");
    expect(status).toMatchObject({ status: "sent", mid: sent?.messageId, sentAt: expect.any(String) });
  });

  it("a reply Meta accepted moves the conversation's preview, direction and activity without waiting for its echo", async () => {
    const s = await scenario();
    const conversationKey = Keys.conversation(s.tenant.imoId, ACCOUNT, s.igsid);
    const before = await readItem(tableName, conversationKey);
    const { messageId, record } = await acceptOne(s, "On its way today 📦");
    expect(await readItem(tableName, conversationKey)).toEqual(before); // accepting alone moves nothing
    await runSender([record]);
    const item = await messageItem(s.tenant.imoId, messageId);
    const after = await readItem(tableName, conversationKey);
    expect(after).toMatchObject({
      lastMessagePreview: "On its way today 📦",
      lastMessageDirection: "outbound",
      lastMessageId: messageId,
      lastActivityAt: item?.sentAt,
      gsi1sk: `${new Date(Number(item?.sentAt)).toISOString()}#${s.igsid}`,
      // The reply reads nothing and opens no window.
      unreadCount: before?.unreadCount,
      lastCustomerMessageAt: before?.lastCustomerMessageAt,
    });
  });

  it("a reply never hides later activity shown in the inbox", async () => {
    const s = await scenario();
    const conversationKey = Keys.conversation(s.tenant.imoId, ACCOUNT, s.igsid);
    const later = Date.now() + 60 * 60_000;
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName,
        Key: conversationKey,
        UpdateExpression: "SET lastActivityAt = :later, lastMessagePreview = :p, lastMessageDirection = :d",
        ExpressionAttributeValues: { ":later": later, ":p": "newer customer text", ":d": "inbound" },
      }),
    );
    const first = await acceptOne(s, "older reply");
    await runSender([first.record]);
    expect(await readItem(tableName, conversationKey)).toMatchObject({
      lastActivityAt: later,
      lastMessagePreview: "newer customer text",
      lastMessageDirection: "inbound",
    });
    expect(await messageItem(s.tenant.imoId, first.messageId)).toMatchObject({ status: "sent" });
  });

  it("a reply sent while its conversation was erased does not bring the conversation back", async () => {
    const s = await scenario();
    const conversationKey = Keys.conversation(s.tenant.imoId, ACCOUNT, s.igsid);
    const second = await acceptOne(s, "sent while the conversation is erased");
    await documentClient().send(new DeleteCommand({ TableName: tableName, Key: conversationKey }));
    const result = await runSender([second.record]);
    expect(result.batchItemFailures).toEqual([]);
    expect(await readItem(tableName, conversationKey)).toBeUndefined();
  });

  it("sends HUMAN_AGENT messages with messaging_type MESSAGE_TAG, and attachments as Meta expects", async () => {
    const s = await scenario();
    const response = await postMessage(
      accept,
      {
        recipientId: s.igsid,
        attachment: { type: "image", url: "https://cdn.example.com/a.jpg" },
        tag: "HUMAN_AGENT",
      },
      { tenant: s.tenant },
    );
    const { messageId } = JSON.parse(response.body ?? "{}");
    const record = (await receiveRecords(queueUrl)).find((r) => JSON.parse(r.body).messageId === messageId);
    await runSender(record ? [record] : []);
    expect(sendsTo(s.igsid)).toMatchObject([
      {
        attachment: { type: "image", url: "https://cdn.example.com/a.jpg" },
        messagingType: "MESSAGE_TAG",
        tag: "HUMAN_AGENT",
      },
    ]);
  });

  it("a redelivered record (sequentially and concurrently) is sent once", async () => {
    const s = await scenario();
    const { messageId, record } = await acceptOne(s, "only once");
    const [first, second] = await Promise.all([runSender([record]), runSender([record])]);
    const third = await runSender([record]);
    expect(sendsTo(s.igsid)).toHaveLength(1);
    // The concurrent duplicate either came after the send (done) or met it in flight (waits, to look again).
    expect(first.batchItemFailures.length + second.batchItemFailures.length).toBeLessThanOrEqual(1);
    expect(third.batchItemFailures).toEqual([]);
    expect(await messageItem(s.tenant.imoId, messageId)).toMatchObject({ status: "sent", attempts: 1 });
  });

  it("an unreadable record is parked in the DLQ for an operator, not retried forever", async () => {
    const result = await runSender([
      {
        messageId: "garbage-1",
        receiptHandle: "unused",
        body: "not json",
        attributes: { ApproximateReceiveCount: "1", MessageGroupId: "g-garbage" },
      } as unknown as SQSRecord,
    ]);
    expect(result.batchItemFailures).toEqual([]);
    const dead = await receiveRecords(dlqUrl);
    expect(dead.map((r) => r.body)).toContain("not json");
  });

  it("an echo stored before our write is replaced by the sent message", async () => {
    const s = await scenario();
    const { messageId } = await acceptOne(s, "echo race");
    const store = dynamoOutboundStore({ db: documentClient(), tableName });
    const message = await store.get({ imoId: s.tenant.imoId, messageId });
    if (message === undefined) throw new Error("missing");
    const mid =
      "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDYyODcxMDkzNTI1OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI2MjI4NDAxNzE5NDk5ODEzOTozMjU3MTk2NTM1MTc2ODEyNjc3ODU1OTgyNDA1ODUwOTkyMAZDZD";
    await documentClient().send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...Keys.message(s.tenant.imoId, mid),
          entity: "message",
          source: "echo",
          direction: "outbound",
          messageId: mid,
        },
      }),
    );
    expect(await store.markSending(message, Date.now(), Date.now())).toBe(true);
    await store.markSent({ ...message, status: "sending" }, mid, Date.now());
    expect(await messageItem(s.tenant.imoId, mid)).toBeUndefined();
    expect(await readItem(tableName, Keys.sentMid(s.tenant.imoId, mid))).toMatchObject({ messageId });
    expect(await messageItem(s.tenant.imoId, messageId)).toMatchObject({ status: "sent", mid });
  });

  /** A document client that runs `between` right after the `MID#` pointer of a send is written (issue 19). */
  function clientPausingAfterPointer(between: () => Promise<void>, failSentWrite = false) {
    const db = documentClient();
    const send = db.send.bind(db) as (command: unknown) => Promise<unknown>;
    let pointerWritten = false;
    Object.assign(db, {
      send: async (command: unknown) => {
        const isMessageUpdate =
          command instanceof UpdateCommand && String(command.input.Key?.pk).startsWith("MSG#");
        if (pointerWritten && failSentWrite && isMessageUpdate)
          throw new Error("crash before the sent write");
        const result = await send(command);
        if (command instanceof PutCommand && String(command.input.Item?.pk).startsWith("MID#")) {
          pointerWritten = true;
          await between();
        }
        return result;
      },
    });
    return db;
  }

  async function echoOf(s: Awaited<ReturnType<typeof scenario>>, mid: string) {
    const inbound = dynamoInboundStore(documentClient(), tableName);
    const ref = { imoId: s.tenant.imoId, igAccountId: ACCOUNT, igsid: s.igsid };
    const effect = {
      at: Date.now(),
      messageId: mid,
      direction: "outbound" as const,
      unreadIncrement: 0,
      opensWindow: false,
    };
    return inbound.confirmEcho(ref, mid, effect);
  }

  it("an echo between the mid pointer and `sent` is matched: the message is sent once, nothing stored twice", async () => {
    const s = await scenario();
    const { messageId } = await acceptOne(s, "echo between");
    const mid = `mid-between-${messageId}`;
    const echoes: string[] = [];
    const store = dynamoOutboundStore({
      db: clientPausingAfterPointer(async () => {
        echoes.push(await echoOf(s, mid));
      }),
      tableName,
    });
    const message = await store.get({ imoId: s.tenant.imoId, messageId });
    if (message === undefined) throw new Error("missing");
    expect(await store.markSending(message, Date.now(), Date.now())).toBe(true);
    await store.markSent({ ...message, status: "sending" }, mid, Date.now());
    expect(echoes).toEqual(["matched"]);
    expect(await messageItem(s.tenant.imoId, mid)).toBeUndefined();
    expect(await messageItem(s.tenant.imoId, messageId)).toMatchObject({ status: "sent", mid });
  });

  it("a crash between the mid pointer and `sent` leaves a sending message its echo confirms (no duplicate)", async () => {
    const s = await scenario();
    const { messageId } = await acceptOne(s, "crash between");
    const mid = `mid-crash-${messageId}`;
    const store = dynamoOutboundStore({
      db: clientPausingAfterPointer(async () => undefined, true),
      tableName,
    });
    const message = await store.get({ imoId: s.tenant.imoId, messageId });
    if (message === undefined) throw new Error("missing");
    expect(await store.markSending(message, Date.now(), Date.now())).toBe(true);
    await expect(store.markSent({ ...message, status: "sending" }, mid, Date.now())).rejects.toThrow();
    expect(await messageItem(s.tenant.imoId, messageId)).toMatchObject({ status: "sending" });
    expect(await echoOf(s, mid)).toBe("matched");
    expect(await messageItem(s.tenant.imoId, mid)).toBeUndefined();
    expect(await messageItem(s.tenant.imoId, messageId)).toMatchObject({ status: "sent", mid });
  });

  it("a message erased while Meta had it: marking it sent is refused and leaves no MID pointer behind", async () => {
    const s = await scenario();
    const { messageId } = await acceptOne(s, "erased in flight");
    const store = dynamoOutboundStore({ db: documentClient(), tableName });
    const message = await store.get({ imoId: s.tenant.imoId, messageId });
    if (message === undefined) throw new Error("missing");
    expect(await store.markSending(message, Date.now(), Date.now())).toBe(true);
    await documentClient().send(
      new DeleteCommand({ TableName: tableName, Key: Keys.message(s.tenant.imoId, messageId) }),
    );
    const mid = `mid-erased-${messageId}`;
    await expect(store.markSent({ ...message, status: "sending" }, mid, Date.now())).rejects.toThrow();
    expect(await readItem(tableName, Keys.sentMid(s.tenant.imoId, mid))).toBeUndefined();
    expect(await messageItem(s.tenant.imoId, messageId)).toBeUndefined();
  });

  it.each([
    ["window_closed", "window_closed"],
    ["recipient_unavailable", "recipient_unavailable"],
    ["permission_missing", "permission_missing"],
    ["sent_but_invalid_reply", "delivery_unconfirmed"],
  ] as const)("Meta %s → failed %s, record deleted, never retried", async (fault, reason) => {
    const s = await scenario();
    const { messageId, record } = await acceptOne(s, `fault ${fault}`);
    sim.injectFault({ kind: fault, igAccountId: ACCOUNT });
    const result = await runSender([record]);
    expect(result.batchItemFailures).toEqual([]);
    expect(await messageItem(s.tenant.imoId, messageId)).toMatchObject({
      status: "failed",
      failureReason: reason,
    });
    const before = sim.requests().length;
    await runSender([record]);
    expect(sim.requests().length).toBe(before);
  });

  it("token invalid → integration needs_reauth, this message and the account's waiting ones fail reauth_required", async () => {
    const s = await scenario();
    const first = await acceptOne(s, "token dies");
    const waiting = await postMessage(
      accept,
      { recipientId: s.igsid, text: "waiting behind" },
      { tenant: s.tenant },
    );
    const waitingId = JSON.parse(waiting.body ?? "{}").messageId;
    sim.injectFault({ kind: "token_expired", igAccountId: ACCOUNT });
    await runSender([first.record]);
    expect(await messageItem(s.tenant.imoId, first.messageId)).toMatchObject({
      status: "failed",
      failureReason: "reauth_required",
    });
    const marked = await readItem(tableName, Keys.integration(s.tenant.imoId, s.tenant.userId));
    expect(marked).toMatchObject({ status: "needs_reauth", version: s.integration.version + 1 });
    // The rejected token is erased at once (issue 12 part 4), with its expiry and its refresh-index entry.
    for (const gone of ["token", "tokenIssuedAt", "tokenExpiresAt", "gsi3pk", "gsi3sk"]) {
      expect(marked, gone).not.toHaveProperty(gone);
    }
    const shown = await integrationGet(
      httpEvent({ method: "GET", route: "/instagram/integration", claims: claimsOf(s.tenant) }),
      lambdaContext(),
    );
    expect(JSON.parse(shown.body ?? "{}")).toMatchObject({ status: "needs_reauth" });
    expect(JSON.parse(shown.body ?? "{}")).not.toHaveProperty("tokenExpiresAt");
    await localSqs().send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first.record.receiptHandle }),
    );
    const next = (await receiveRecords(queueUrl)).find((r) => JSON.parse(r.body).messageId === waitingId);
    const before = sim.requests().length;
    await runSender(next ? [next] : []);
    expect(sim.requests().length).toBe(before);
    expect(await messageItem(s.tenant.imoId, waitingId)).toMatchObject({
      status: "failed",
      failureReason: "reauth_required",
    });
  });

  it("a window that closed while the message waited fails it window_closed without calling Meta", async () => {
    const s = await scenario();
    const { messageId, record } = await acceptOne(s, "too late");
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName,
        Key: Keys.conversation(s.tenant.imoId, ACCOUNT, s.igsid),
        UpdateExpression: "SET lastCustomerMessageAt = :at",
        ExpressionAttributeValues: { ":at": Date.now() - 25 * HOUR_MS },
      }),
    );
    const before = sim.requests().length;
    await runSender([record]);
    expect(sim.requests().length).toBe(before);
    expect(await messageItem(s.tenant.imoId, messageId)).toMatchObject({
      status: "failed",
      failureReason: "window_closed",
    });
  });

  it("transient errors and timeouts retry with backoff, then fail retries_exhausted into the DLQ", async () => {
    const s = await scenario();
    const { messageId, record } = await acceptOne(s, "flaky");
    let now = Date.now();
    const sender = senderAt(() => now, { timeoutMs: 300 });
    sim.injectFault({ kind: "transient", igAccountId: ACCOUNT, count: 2 });
    sim.injectFault({ kind: "timeout", igAccountId: ACCOUNT, delayMs: 1500 });
    sim.injectFault({ kind: "server_error", igAccountId: ACCOUNT });
    const slots: number[] = [];
    for (let attempt = 1; attempt <= DEFAULT_RETRY.maxAttempts; attempt += 1) {
      const result = await sender.run([record]);
      const item = await messageItem(s.tenant.imoId, messageId);
      expect(item?.attempts).toBe(attempt);
      if (attempt < DEFAULT_RETRY.maxAttempts) {
        // Deferred (kept on the queue), back to queued with the next attempt's slot after the backoff.
        expect(result.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
        expect(item?.status).toBe("queued");
        expect(item?.slotAt).toBeGreaterThanOrEqual(now + DEFAULT_RETRY.baseDelayMs / 2);
        slots.push(item?.slotAt as number);
        now = item?.slotAt as number;
      } else {
        expect(result.batchItemFailures).toEqual([]);
        expect(item).toMatchObject({ status: "failed", failureReason: "retries_exhausted" });
      }
    }
    // Backoff grows.
    expect((slots[1] ?? 0) - (slots[0] ?? 0)).toBeGreaterThan(0);
    const dead = await receiveRecords(dlqUrl);
    expect(dead.map((r) => JSON.parse(r.body).messageId)).toContain(messageId);
    expect(sendsTo(s.igsid)).toHaveLength(0);
  });

  it("rate limited → the whole account backs off: limiter paused, this and later messages wait past it", async () => {
    const s = await scenario();
    const { messageId, record } = await acceptOne(s, "slow down");
    // Later than any slot the earlier tests' clocks reserved on this account.
    const now = Date.now() + 10 * 60_000;
    const sender = senderAt(() => now);
    sim.injectFault({ kind: "rate_limit", igAccountId: ACCOUNT });
    const result = await sender.run([record]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    const limiter = await readItem(tableName, Keys.sendLimiter(ACCOUNT));
    expect(limiter?.pausedUntil).toBeGreaterThanOrEqual(now + 60_000);
    const item = await messageItem(s.tenant.imoId, messageId);
    expect(item).toMatchObject({ status: "queued", attempts: 1 });
    expect(item?.slotAt).toBeGreaterThanOrEqual(limiter?.pausedUntil as number);

    // Another conversation of the same account now waits too, without calling Meta.
    const other = await scenario();
    const second = await acceptOne(other, "me too");
    const before = sim.requests().length;
    await sender.run([second.record]);
    expect(sim.requests().length).toBe(before);
    expect((await messageItem(other.tenant.imoId, second.messageId))?.slotAt).toBeGreaterThanOrEqual(
      limiter?.pausedUntil as number,
    );
    // Lift the pause for the tests that follow.
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName,
        Key: Keys.sendLimiter(ACCOUNT),
        UpdateExpression: "REMOVE pausedUntil SET version = version + :one",
        ExpressionAttributeValues: { ":one": 1 },
      }),
    );
  });

  it("two senders racing for one account: the cap holds and nothing is sent twice", async () => {
    const account = "17841400000000555";
    const race = await startMetaSimulator({
      appId: FAKE.appId,
      appSecret: FAKE.igAppSecret,
      accounts: [
        {
          igId: account,
          appScopedId: "26913384700000555",
          username: "race.shop",
          name: "Race",
          accountType: "BUSINESS",
        },
      ],
    });
    try {
      const tenant = { imoId: "imo-race", userId: "user-race" };
      await seedIntegration(tableName, { token: race.issueToken(), tenant, igAccountId: account });
      const store = dynamoOutboundStore({ db: documentClient(), tableName });
      const records: SQSRecord[] = [];
      for (let i = 0; i < 12; i += 1) {
        const igsid = String(5_000_000_000 + i);
        race.openWindow({ igsid });
        await seedConversation(tableName, Date.now() - 60_000, {
          imoId: tenant.imoId,
          igAccountId: account,
          igsid,
        });
        const messageId = `race-${i}`;
        await store.create({
          imoId: tenant.imoId,
          userId: tenant.userId,
          igAccountId: account,
          igsid,
          messageId,
          status: "queued",
          content: { text: `race ${i}` },
          acceptedAt: Date.now(),
          attempts: 0,
        });
        records.push({
          messageId: `rec-${i}`,
          receiptHandle: "not-on-a-queue",
          body: JSON.stringify({ imoId: tenant.imoId, messageId }),
          attributes: { ApproximateReceiveCount: "1", MessageGroupId: conversationId(account, igsid) },
        } as unknown as SQSRecord);
      }
      const now = Date.now();
      const wire = () => senderAt(() => now, { cap: 5, metaUrl: race.url }).deps;
      const a = wire();
      const b = wire();
      // Each sender gets every record (worst case: duplicates as well as competition for the cap).
      const [outA, outB] = await Promise.all([
        processBatch(
          records.map((r) => ({
            ref: JSON.parse(r.body),
            group: r.attributes.MessageGroupId ?? "",
            receiveCount: 1,
          })),
          a,
        ),
        processBatch(
          [...records].reverse().map((r) => ({
            ref: JSON.parse(r.body),
            group: r.attributes.MessageGroupId ?? "",
            receiveCount: 1,
          })),
          b,
        ),
      ]);
      const sent = race.sentMessages(account);
      expect(sent).toHaveLength(5);
      expect(new Set(sent.map((m) => m.recipientId)).size).toBe(5);
      expect(race.maxSendsInAnyHour(account)).toBeLessThanOrEqual(5);
      const all = await Promise.all(
        records.map((r) => store.get({ imoId: tenant.imoId, messageId: JSON.parse(r.body).messageId })),
      );
      expect(all.filter((m) => m?.status === "sent")).toHaveLength(5);
      const waiting = all.filter((m) => m?.status === "queued");
      expect(waiting).toHaveLength(7);
      for (const m of waiting) expect(m?.slotAt).toBeGreaterThanOrEqual(now + HOUR_MS);
      expect([...outA, ...outB].filter((o) => o.result === "sent")).toHaveLength(5);
    } finally {
      await race.stop();
    }
  });
});
