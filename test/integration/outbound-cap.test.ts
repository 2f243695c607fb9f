import { beforeAll, describe, expect, it } from "vitest";
import { maxInAnyHour } from "../../dev/meta-simulator/rolling-hour";
import type { CapacityMeter } from "../../lambdas/adapters/dynamo/capacity";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { dynamoSendLimiter } from "../../lambdas/adapters/dynamo/send-limiter";
import { OutboundQueue, SENDING_LEASE_MS } from "../../lambdas/contract/queues";
import { conversationId } from "../../lambdas/domain/conversation";
import type { Integration } from "../../lambdas/domain/integration";
import { processBatch } from "../../lambdas/domain/outbound/batch";
import { HOUR_MS, limiterPolicy } from "../../lambdas/domain/outbound/limiter";
import type { OutboundMessage } from "../../lambdas/domain/outbound/ports";
import { DEFAULT_RETRY } from "../../lambdas/domain/outbound/retry";
import type { SenderDeps } from "../../lambdas/domain/outbound/send";
import { freshTable } from "../support/local-aws";
import {
  FifoQueueModel,
  fixedWindows,
  memoryIntegrations,
  memoryOutboundStore,
  type RecordedSend,
  recordingSendApi,
} from "../support/outbound-fakes";

/**
 * The send cap in virtual time: the sender's real decision code, the real limiter on DynamoDB Local, and a
 * model of the FIFO queue (group locks, visibility, receive counts, redrive). The clock only moves when the
 * model says nothing is visible, so five virtual hours take seconds.
 */
const START = Date.UTC(2026, 10, 25, 9, 0, 0);
const CAP = 200;
/** Virtual time one record takes to handle. */
const WORK_MS = 150;

interface Scenario {
  readonly accounts: readonly string[];
  readonly perAccount: number;
  readonly conversationsPerAccount: number;
  readonly senders: number;
}

function integration(igAccountId: string): Integration {
  return {
    imoId: "imo-1",
    userId: `user-${igAccountId}`,
    igAccountId,
    appScopedUserId: `app-${igAccountId}`,
    username: `acct${igAccountId}`,
    accountType: "BUSINESS",
    status: "connected",
    connectedAt: START,
    updatedAt: START,
    version: 1,
  };
}

async function runScenario(tableName: string, scenario: Scenario) {
  let now = START;
  const clock = () => now;
  const writes = { units: 0 };
  const meter: CapacityMeter = {
    add: ({ write }) => {
      writes.units += write;
    },
  };
  const store = memoryOutboundStore();
  const queue = new FifoQueueModel(
    OutboundQueue.visibilityTimeoutSeconds * 1000,
    OutboundQueue.maxReceiveCount,
  );
  const meta = recordingSendApi(clock);
  const limits = limiterPolicy(CAP);
  const deps: SenderDeps = {
    store,
    integrations: memoryIntegrations(scenario.accounts.map(integration)),
    // The customer wrote just before the backlog was accepted: the window stays open throughout.
    conversations: fixedWindows(START - 60_000),
    limiter: dynamoSendLimiter({ db: documentClient(), tableName, meter }, limits, async () => undefined),
    meta,
    accessToken: () => "IGAAfake",
    now: clock,
    random: () => 0.5,
    limits,
    retry: DEFAULT_RETRY,
    maxReceiveCount: OutboundQueue.maxReceiveCount,
    sendingLeaseMs: SENDING_LEASE_MS,
  };

  // Accept everything at START, accounts interleaved, conversations round-robin within each account.
  const accepted: OutboundMessage[] = [];
  for (let i = 0; i < scenario.perAccount; i += 1) {
    for (const account of scenario.accounts) {
      const igsid = String(9_000_000 + (i % scenario.conversationsPerAccount));
      const message: OutboundMessage = {
        imoId: "imo-1",
        userId: `user-${account}`,
        igAccountId: account,
        igsid,
        messageId: `${account}-${String(i).padStart(5, "0")}`,
        status: "queued",
        content: { text: `message ${i}` },
        acceptedAt: now,
        attempts: 0,
      };
      await store.create(message);
      queue.send(conversationId(account, igsid), { imoId: message.imoId, messageId: message.messageId });
      accepted.push(message);
    }
  }

  // Several senders receive concurrently (the limiter's conditional writes race for real on DynamoDB Local).
  let safety = 0;
  while (queue.size > 0) {
    safety += 1;
    if (safety > 200_000) throw new Error("simulation does not converge");
    const batches = Array.from({ length: scenario.senders }, () =>
      queue.receive(now, OutboundQueue.batchSize),
    ).filter((batch) => batch.length > 0);
    if (batches.length === 0) {
      const next = queue.nextVisibleAt(now);
      if (next === undefined) break;
      now = next;
      continue;
    }
    await Promise.all(
      batches.map(async (batch) => {
        const outcomes = await processBatch(
          batch.map((b) => b.queueRecord),
          deps,
        );
        for (const [index, { record }] of batch.entries()) {
          const outcome = outcomes[index];
          if (outcome?.kind === "defer") queue.changeVisibility(record, outcome.until, now);
          else if (outcome?.kind === "dead_letter") {
            queue.delete(record);
            queue.deadLetters.push(record);
          } else if (outcome) queue.delete(record);
        }
      }),
    );
    now += WORK_MS;
  }
  return { store, queue, meta, accepted, writes, end: now };
}

function assertScenario(
  result: Awaited<ReturnType<typeof runScenario>>,
  scenario: Scenario,
): { lastSendAt: Map<string, number> } {
  const { store, queue, meta, accepted } = result;
  // Nothing lost, nothing failed, nothing in the DLQ.
  expect(queue.deadLetters).toHaveLength(0);
  expect(store.all().filter((m) => m.status !== "sent")).toEqual([]);
  // Nothing sent twice.
  const sentIds = meta.sends.map((s) => s.request.content);
  expect(meta.sends).toHaveLength(accepted.length);
  expect(new Set(meta.sends.map((s) => s.mid)).size).toBe(sentIds.length);
  const midsPerMessage = new Map<string, number>();
  for (const message of store.all())
    midsPerMessage.set(message.messageId, (midsPerMessage.get(message.messageId) ?? 0) + 1);
  expect([...midsPerMessage.values()].every((n) => n === 1)).toBe(true);

  const lastSendAt = new Map<string, number>();
  for (const account of scenario.accounts) {
    const sends = meta.sends.filter((s) => s.request.igAccountId === account);
    expect(sends).toHaveLength(scenario.perAccount);
    // Every rolling hour holds at most the cap.
    expect(maxInAnyHour(sends.map((s) => s.at))).toBeLessThanOrEqual(CAP);
    // Per-conversation order: within each conversation, sends follow acceptance order.
    const byConversation = new Map<string, string[]>();
    for (const send of sends) {
      const text = "text" in send.request.content ? send.request.content.text : "";
      const list = byConversation.get(send.request.recipientId) ?? [];
      list.push(text);
      byConversation.set(send.request.recipientId, list);
    }
    for (const texts of byConversation.values()) {
      const order = texts.map((t) => Number(t.replace("message ", "")));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    lastSendAt.set(account, Math.max(...sends.map((s) => s.at)));
  }
  // Waiting for the cap never approaches the DLQ's receive limit. A message is received with its conversation only
  // while it is among the batch's first records: once per message sent ahead of it then, plus its own wait and send.
  expect(Math.max(...queue.receivesAtDelete.values())).toBeLessThanOrEqual(OutboundQueue.batchSize + 1);
  return { lastSendAt };
}

describe("send cap in virtual time (limiter on DynamoDB Local, FIFO queue model)", () => {
  let tableName: string;

  beforeAll(async () => {
    tableName = await freshTable();
  });

  it("1,000 messages for one account at 200/hour: every rolling hour ≤ 200, done within 5 h, order kept", async () => {
    const scenario = {
      accounts: ["17841400000000001"],
      perAccount: 1000,
      conversationsPerAccount: 40,
      senders: 3,
    };
    const result = await runScenario(tableName, scenario);
    const { lastSendAt } = assertScenario(result, scenario);
    const elapsed = (lastSendAt.get("17841400000000001") ?? Number.POSITIVE_INFINITY) - START;
    // Drains at the cap: five windows' worth, the last starting after four (window + grace) periods.
    expect(elapsed).toBeLessThanOrEqual(5 * HOUR_MS);
    expect(elapsed).toBeGreaterThanOrEqual(4 * HOUR_MS);
    const sent = result.meta.sends.length;
    console.info(
      `[outbound-cap] one account: ${sent} sent in ${(elapsed / HOUR_MS).toFixed(2)} h; limiter WCU per sent message ${(result.writes.units / sent).toFixed(2)}; SQS model requests per sent message ${JSON.stringify(
        Object.fromEntries(
          Object.entries(result.queue.requests).map(([k, v]) => [k, +(v / sent).toFixed(2)]),
        ),
      )}`,
    );
  }, 240_000);

  it("several accounts at once: each drains at its own cap, none starves", async () => {
    const accounts = ["17841400000000011", "17841400000000012", "17841400000000013"];
    const scenario = { accounts, perAccount: 450, conversationsPerAccount: 15, senders: 3 };
    const result = await runScenario(tableName, scenario);
    const { lastSendAt } = assertScenario(result, scenario);
    for (const account of accounts) {
      // 450 at 200/hour: three windows, the last starting after two (window + grace) periods.
      const elapsed = (lastSendAt.get(account) ?? Number.POSITIVE_INFINITY) - START;
      expect(elapsed).toBeLessThanOrEqual(2 * HOUR_MS + 15 * 60_000);
    }
    // And each account had sends in the very first minutes (no account waits behind another's backlog).
    for (const account of accounts) {
      const first = result.meta.sends.filter((s: RecordedSend) => s.request.igAccountId === account)[0];
      expect((first?.at ?? Number.POSITIVE_INFINITY) - START).toBeLessThan(60_000);
    }
  }, 240_000);
});
