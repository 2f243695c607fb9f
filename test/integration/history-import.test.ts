import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { seededIgsid } from "../../dev/meta-simulator/threads";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { dynamoErasureStore } from "../../lambdas/adapters/dynamo/erasure";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { type StepOutcome, startHistoryImport } from "../../lambdas/domain/history/import";
import type { HistoryDeps, HistoryJob, HistoryStep } from "../../lambdas/domain/history/ports";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { historyWiring } from "../../lambdas/wiring/history";
import { setHandlerEnv } from "../support/handler-env";
import { TEST_KEYS } from "../support/keys";
import { freshTable } from "../support/local-aws";
import { readItem, seedIntegration } from "../support/outbound-harness";
import { scanTable } from "../support/table-scan";
import { deliveryOf, fromCustomer, text, webhookPost } from "../support/webhook-fixtures";
import { DAY, type Harness, HOUR, IG_ID, startHarness } from "./meta-simulator-harness";

/*
 * The history import against the Meta simulator's Conversations API (2 calls/s per account, the 20 most recent
 * messages described, cursor paging) and DynamoDB Local. Steps are handed to the worker as SQS would hand them, from
 * an in-memory list, so the test can move the simulator's clock by each step's delay instead of waiting for it.
 */

let tableName: string;
let h: Harness | undefined;
let receiveWebhook: (event: HttpEvent) => Promise<HttpResult>;

beforeAll(async () => {
  tableName = await freshTable();
  setHandlerEnv({ tableName });
  receiveWebhook = (await import("../../lambdas/handlers/webhook-receive")).handler as unknown as (
    event: HttpEvent,
  ) => Promise<HttpResult>;
});

afterEach(async () => {
  await h?.close();
  h = undefined;
});

let tenantCounter = 0;
function newTenant() {
  tenantCounter += 1;
  return { imoId: `imo-history-${tenantCounter}`, userId: `user-history-${tenantCounter}` };
}

interface Run {
  readonly wiring: ReturnType<typeof historyWiring>;
  readonly deps: HistoryDeps;
  readonly queued: { step: HistoryStep; delaySeconds: number }[];
  readonly outcomes: StepOutcome[];
}

/** The worker's real dependencies on the simulator and the table, with its queue kept in memory. */
function importRun(harness: Harness, extra: Pick<HistoryDeps, "afterCommit"> = {}): Run {
  const queued: Run["queued"] = [];
  const wiring = historyWiring(
    {
      tableName,
      metaHosts: {
        oauthUrl: harness.sim.url,
        apiUrl: harness.sim.url,
        graphUrl: harness.sim.url,
        graphVersion: "v25.0",
      },
    },
    {
      db: documentClient(),
      now: () => harness.clock,
      sleep: async (ms) => {
        harness.clock += ms;
      },
    },
  );
  const deps: HistoryDeps = {
    ...wiring.deps(TEST_KEYS, () => undefined, extra),
    queue: {
      enqueue: async (step, delaySeconds) => {
        queued.push({ step, delaySeconds });
      },
    },
  };
  return { wiring, deps, queued, outcomes: [] };
}

/** Hands the next queued step to the worker as SQS would; a failed record is received again later. */
async function deliverOne(run: Run, harness: Harness, n: number): Promise<void> {
  const next = run.queued.shift();
  if (next === undefined) return;
  harness.clock += next.delaySeconds * 1000;
  const logged: Record<string, unknown>[] = [];
  const result = await run.wiring.runBatch(
    [{ messageId: `record-${n}`, body: JSON.stringify(next.step) }],
    run.deps,
    (_message, extra) => logged.push(extra),
  );
  const outcome = logged.find((entry) => typeof entry.outcome === "string")?.outcome;
  if (typeof outcome === "string") run.outcomes.push(outcome as StepOutcome);
  if (result.batchItemFailures.length > 0) run.queued.unshift(next);
}

/** Delivers queued steps until none is left; each waits for its delay on the simulator's clock. */
async function drain(run: Run, harness: Harness, limit = 5000): Promise<void> {
  for (let n = 0; run.queued.length > 0; n++) {
    if (n > limit) throw new Error("the import did not finish");
    await deliverOne(run, harness, n);
  }
}

async function jobOf(imoId: string): Promise<HistoryJob & Record<string, unknown>> {
  return (await readItem(tableName, Keys.historyJob(imoId, IG_ID))) as HistoryJob & Record<string, unknown>;
}

async function itemsOfTenant(imoId: string) {
  const all = await scanTable(tableName);
  return {
    conversations: all.filter((item) => item.entity === "conversation" && item.imoId === imoId),
    messages: all.filter((item) => item.entity === "message" && item.imoId === imoId),
  };
}

async function connected(harness: Harness) {
  const tenant = newTenant();
  await seedIntegration(tableName, { token: harness.sim.issueToken(), tenant, igAccountId: IG_ID });
  return tenant;
}

describe("history import (Conversations API → the inbox)", () => {
  it("imports a seeded account of 205 conversations with exact counts, never over 2 calls/s", async () => {
    h = await startHarness({ history: { conversations: 205, messagesPerConversation: 2 } });
    const tenant = await connected(h);
    const run = importRun(h);
    const started = await startHistoryImport(run.deps, tenant);
    expect(started.status).toBe("running");
    await drain(run, h);

    const job = await jobOf(tenant.imoId);
    expect(job).toMatchObject({ status: "completed", conversations: 205, messages: 410 });
    expect(job.finishedAt).toBeGreaterThanOrEqual(job.startedAt);
    // The simulator answers 613 past 2 calls/s: a throttled step would have been re-queued.
    expect(run.outcomes).not.toContain("retry_later");
    expect(run.outcomes.filter((o) => o === "completed")).toHaveLength(1);

    const { conversations, messages } = await itemsOfTenant(tenant.imoId);
    expect(conversations).toHaveLength(205);
    expect(messages).toHaveLength(410);
    expect(new Set(messages.map((m) => m.mid)).size).toBe(410);
    expect(messages.every((m) => m.source === "history")).toBe(true);
    // Seeded threads alternate customer / business: the business's are outbound and `sent`.
    const outbound = messages.filter((m) => m.direction === "outbound");
    expect(outbound).toHaveLength(205);
    expect(outbound.every((m) => m.status === "sent")).toBe(true);
    expect(messages.filter((m) => m.direction === "inbound").every((m) => m.status === undefined)).toBe(true);
    // Imported history is not unread; each conversation shows its newest message.
    expect(conversations.every((c) => c.unreadCount === 0)).toBe(true);
    const first = conversations.find((c) => c.igsid === seededIgsid(1));
    expect(first?.lastMessagePreview).toBe("Seeded answer 2");
    expect(first?.lastMessageDirection).toBe("outbound");
  }, 240_000);

  it("a worker that crashes once right after committing a page resumes from the cursor, without duplicates", async () => {
    h = await startHarness({ history: { conversations: 30, messagesPerConversation: 3 } });
    const tenant = await connected(h);
    let crashes = 0;
    const run = importRun(h, {
      afterCommit: (job) => {
        // Step 0 read the first page of the list; crash once before its successor is queued.
        if (job.seq === 1 && crashes === 0) {
          crashes += 1;
          throw new Error("induced crash after commit");
        }
      },
    });
    await startHistoryImport(run.deps, tenant);
    await drain(run, h);

    expect(crashes).toBe(1);
    expect(run.outcomes).toContain("resumed");
    const job = await jobOf(tenant.imoId);
    expect(job).toMatchObject({ status: "completed", conversations: 30, messages: 90 });
    const { conversations, messages } = await itemsOfTenant(tenant.imoId);
    expect(conversations).toHaveLength(30);
    expect(messages).toHaveLength(90);
  });

  it("a step delivered twice (SQS at-least-once) counts once and stores nothing twice", async () => {
    h = await startHarness({ history: { conversations: 4, messagesPerConversation: 2 } });
    const tenant = await connected(h);
    const run = importRun(h);
    await startHistoryImport(run.deps, tenant);
    const original = run.queued.slice();
    await drain(run, h);
    // Every step record again, after the import finished: all stale.
    run.queued.push(...original.map((entry) => ({ ...entry, delaySeconds: 1 })));
    const before = run.outcomes.length;
    await drain(run, h);
    expect(run.outcomes.slice(before).every((o) => o === "stale")).toBe(true);
    expect(await jobOf(tenant.imoId)).toMatchObject({ conversations: 4, messages: 8 });
    expect((await itemsOfTenant(tenant.imoId)).messages).toHaveLength(8);
  });

  it("merges with webhook deliveries of the same mids: before the import and after it, each message once", async () => {
    h = await startHarness({ history: { conversations: 2, messagesPerConversation: 2 } });
    const tenant = { imoId: "imo-merge", userId: "user-merge" };
    await seedIntegration(tableName, { token: h.sim.issueToken(), tenant, igAccountId: IG_ID });
    const customer = seededIgsid(1);
    // A DM that arrives by webhook before the import: Meta has it in the thread too.
    h.clock += HOUR;
    const live = await h.sim.sendCustomerMessage({ igsid: customer, text: "still there?" });
    const delivered = h.received.at(-1);
    expect((await receiveWebhook(webhookPost(JSON.stringify(delivered)))).statusCode).toBe(200);

    const run = importRun(h);
    await startHistoryImport(run.deps, tenant);
    await drain(run, h);
    expect(await jobOf(tenant.imoId)).toMatchObject({ status: "completed", conversations: 2, messages: 5 });

    // A webhook redelivery of the live DM, and a late webhook of an imported message: both duplicates.
    expect((await receiveWebhook(webhookPost(JSON.stringify(delivered)))).statusCode).toBe(200);
    const { messages } = await itemsOfTenant(tenant.imoId);
    const imported = messages.find((m) => m.source === "history" && m.direction === "inbound");
    if (imported === undefined) throw new Error("no imported customer message");
    const late = deliveryOf([
      fromCustomer(Number(imported.sentAt), text(String(imported.mid), "late copy"), String(imported.igsid)),
    ]);
    expect((await receiveWebhook(webhookPost(late))).statusCode).toBe(200);

    const after = await itemsOfTenant(tenant.imoId);
    expect(after.messages).toHaveLength(5);
    const byMid = new Map(after.messages.map((m) => [m.mid, m]));
    expect(byMid.get(live.mid)?.source).toBe("customer");
    expect(byMid.get(imported.mid)?.text).not.toBe("late copy");
    // Only the live DM is unread; the imported ones never counted.
    const conversation = after.conversations.find((c) => c.igsid === customer);
    expect(conversation?.unreadCount).toBe(1);
    expect(conversation?.lastMessagePreview).toBe("still there?");
  });

  it("old imported messages never reopen a closed window nor replace a newer preview", async () => {
    // Every seeded message is at least two days old.
    h = await startHarness({ history: { conversations: 1, messagesPerConversation: 4, spacingMs: 2 * DAY } });
    const tenant = { imoId: "imo-window", userId: "user-window" };
    await seedIntegration(tableName, { token: h.sim.issueToken(), tenant, igAccountId: IG_ID });
    const customer = seededIgsid(1);
    // The newest customer message we know came by webhook 25 hours ago: the window is closed.
    const closedAt = h.clock - 25 * HOUR;
    const webhook = deliveryOf([fromCustomer(closedAt, text("mid-window-live", "newest known"), customer)]);
    expect((await receiveWebhook(webhookPost(webhook))).statusCode).toBe(200);
    const key = Keys.conversation(tenant.imoId, IG_ID, customer);
    const before = await readItem(tableName, key);

    const run = importRun(h);
    await startHistoryImport(run.deps, tenant);
    await drain(run, h);
    expect(await jobOf(tenant.imoId)).toMatchObject({ status: "completed", messages: 4 });

    const after = await readItem(tableName, key);
    expect(after?.lastCustomerMessageAt).toBe(closedAt);
    expect(after?.lastCustomerMessageAt).toBe(before?.lastCustomerMessageAt);
    expect(after?.lastActivityAt).toBe(before?.lastActivityAt);
    expect(after?.lastMessagePreview).toBe("newest known");
    expect(after?.unreadCount).toBe(1);
  });

  it("data deletion erases everything imported, the job item included", async () => {
    h = await startHarness({ history: { conversations: 3, messagesPerConversation: 2 } });
    const tenant = await connected(h);
    const run = importRun(h);
    await startHistoryImport(run.deps, tenant);
    await drain(run, h);
    expect((await itemsOfTenant(tenant.imoId)).messages).toHaveLength(6);

    const erased = await dynamoErasureStore(documentClient(), tableName).eraseAccountData(
      tenant.imoId,
      IG_ID,
      () => false,
    );
    expect(erased.done).toBe(true);
    expect(erased.counts).toMatchObject({ conversations: 3, messages: 6, other: 1 });
    const left = (await scanTable(tableName)).filter(
      (item) => item.imoId === tenant.imoId || String(item.pk).includes(tenant.imoId),
    );
    // Only the integration remains (the domain erasure revokes and removes it separately).
    expect(left.map((item) => item.entity)).toEqual(["integration"]);
  });

  it("an import whose job was erased mid-way stores nothing more", async () => {
    h = await startHarness({ history: { conversations: 5, messagesPerConversation: 2 } });
    const tenant = await connected(h);
    const run = importRun(h);
    await startHistoryImport(run.deps, tenant);
    // The list page and two conversations, then a data deletion.
    for (let n = 0; n < 3; n++) await deliverOne(run, h, n);
    expect((await itemsOfTenant(tenant.imoId)).conversations).toHaveLength(2);
    await dynamoErasureStore(documentClient(), tableName).eraseAccountData(tenant.imoId, IG_ID, () => false);
    await drain(run, h);
    const left = await itemsOfTenant(tenant.imoId);
    expect(left.conversations).toHaveLength(0);
    expect(left.messages).toHaveLength(0);
    expect(await jobOf(tenant.imoId)).toBeUndefined();
  });
});
