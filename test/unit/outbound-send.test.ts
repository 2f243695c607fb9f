import { describe, expect, it } from "vitest";
import { OutboundQueue, SENDING_LEASE_MS } from "../../lambdas/contract/queues";
import { AppError } from "../../lambdas/domain/errors";
import type { Integration } from "../../lambdas/domain/integration";
import { acceptMessage } from "../../lambdas/domain/outbound/accept";
import { processBatch } from "../../lambdas/domain/outbound/batch";
import {
  EMPTY_LIMITER,
  type LimiterState,
  limiterPolicy,
  pauseLimiter,
  reserveSlot,
} from "../../lambdas/domain/outbound/limiter";
import type { OutboundMessage, SendLimiter } from "../../lambdas/domain/outbound/ports";
import { DEFAULT_RETRY, MAX_QUEUED_MS, waitBudgetSpent } from "../../lambdas/domain/outbound/retry";
import { processRecord, type SenderDeps } from "../../lambdas/domain/outbound/send";
import { NEAR_SLOT_MS } from "../../lambdas/domain/outbound/send-slot";
import {
  fixedWindows,
  memoryIntegrations,
  memoryOutboundStore,
  recordingSendApi,
} from "../support/outbound-fakes";

const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
const ACCOUNT = "17841462871093525";

const integration: Integration = {
  imoId: "imo",
  userId: "user",
  igAccountId: ACCOUNT,
  appScopedUserId: "26913384755103422",
  username: "shop",
  accountType: "BUSINESS",
  status: "connected",
  connectedAt: T0,
  updatedAt: T0,
  version: 3,
};

function memoryLimiter(cap: number): SendLimiter & { states: Map<string, LimiterState> } {
  const states = new Map<string, LimiterState>();
  const policy = limiterPolicy(cap);
  return {
    states,
    state: async (id) => states.get(id) ?? EMPTY_LIMITER,
    async reserve(id, now, notBefore) {
      const { slot, state } = reserveSlot(states.get(id) ?? EMPTY_LIMITER, now, policy, notBefore);
      states.set(id, state);
      return slot;
    },
    async pause(id, until) {
      states.set(id, pauseLimiter(states.get(id) ?? EMPTY_LIMITER, until));
    },
  };
}

function message(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    imoId: "imo",
    userId: "user",
    igAccountId: ACCOUNT,
    igsid: "3416870925138842",
    messageId: "m1",
    status: "queued",
    content: { text: "hello" },
    acceptedAt: T0,
    attempts: 0,
    ...overrides,
  };
}

function setup(options: { cap?: number; integrations?: Integration[] } = {}) {
  let now = T0;
  const store = memoryOutboundStore();
  const meta = recordingSendApi(() => now);
  const integrations = memoryIntegrations(options.integrations ?? [integration]);
  const limiter = memoryLimiter(options.cap ?? 200);
  const deps: SenderDeps = {
    store,
    integrations,
    conversations: fixedWindows(T0 - 60_000),
    limiter,
    meta,
    accessToken: () => "IGAAtoken",
    now: () => now,
    random: () => 0.5,
    limits: limiterPolicy(options.cap ?? 200),
    retry: DEFAULT_RETRY,
    maxReceiveCount: 10,
    sendingLeaseMs: SENDING_LEASE_MS,
  };
  return {
    deps,
    store,
    meta,
    integrations,
    limiter,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const record = (messageId: string, group = "g1", receiveCount = 1) => ({
  ref: { imoId: "imo", messageId },
  group,
  receiveCount,
});

describe("accept (domain)", () => {
  const acceptDeps = () => {
    const store = memoryOutboundStore();
    const enqueued: string[] = [];
    return {
      store,
      enqueued,
      deps: {
        store,
        integrations: memoryIntegrations([integration]),
        conversations: fixedWindows(T0 - 60_000),
        replyTargets: { customerMid: async () => undefined },
        queue: { enqueue: async (m: OutboundMessage) => void enqueued.push(m.messageId) },
        newId: (() => {
          let n = 0;
          return () => `id-${++n}`;
        })(),
        now: () => T0,
        humanAgentEnabled: false,
      },
    };
  };

  it("refuses HUMAN_AGENT when the stage has not enabled it (400), storing nothing", async () => {
    const { deps, store, enqueued } = acceptDeps();
    const error = await acceptMessage(
      integration,
      { recipientId: "1", text: "hi", tag: "HUMAN_AGENT" },
      undefined,
      deps,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("send.human_agent_disabled");
    expect((error as AppError).status).toBe(400);
    expect(store.all()).toEqual([]);
    expect(enqueued).toEqual([]);
  });

  it("a replay of an accepted, already-sent message does not enqueue it again", async () => {
    const { deps, store, enqueued } = acceptDeps();
    const first = await acceptMessage(integration, { recipientId: "1", text: "hi" }, "k1", deps);
    const stored = store.all()[0];
    if (stored === undefined) throw new Error("not stored");
    await store.markSending(stored, T0, T0);
    await store.markSent({ ...stored, status: "sending" }, "mid-1", T0);
    const replay = await acceptMessage(integration, { text: "hi", recipientId: "1" }, "k1", deps);
    expect(replay).toEqual({ messageId: first.messageId, status: "sent" });
    expect(enqueued).toEqual([first.messageId]);
  });
});

describe("sender decisions (domain, in-memory fakes)", () => {
  it("a record whose message is still `sending` (a crashed send) is never sent again: failed delivery_unconfirmed", async () => {
    const { deps, store, meta } = setup();
    await store.create(message({ status: "sending", attempts: 1 }));
    const outcome = await processRecord(record("m1"), deps);
    expect(outcome.kind).toBe("done");
    expect(meta.calls).toBe(0);
    expect((await store.get({ imoId: "imo", messageId: "m1" }))?.failureReason).toBe("delivery_unconfirmed");
  });

  it("a duplicate record meeting a send still in flight waits for the sender's timeout instead of failing it", async () => {
    const { deps, store, meta } = setup();
    await store.create(message({ status: "sending", attempts: 1, sendingSince: deps.now() - 1_000 }));
    const outcome = await processRecord(record("m1"), deps);
    expect(outcome).toEqual({
      kind: "defer",
      until: deps.now() - 1_000 + SENDING_LEASE_MS,
      result: "in_flight_elsewhere",
    });
    expect(meta.calls).toBe(0);
    expect((await store.get({ imoId: "imo", messageId: "m1" }))?.status).toBe("sending");
  });

  it("a slot a moment away (a concurrent sender took this instant) is waited for in the invocation, never early", async () => {
    const { deps, store, meta, limiter, advance } = setup();
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      advance(ms);
    };
    const sleeping = { ...deps, sleep };
    limiter.states.set(ACCOUNT, { runs: [[T0 + 300, 1]] });
    await store.create(message());
    expect(await processRecord(record("m1"), sleeping)).toEqual({ kind: "done", result: "sent" });
    expect(slept).toEqual([300]);
    expect(meta.sends[0]?.at).toBeGreaterThanOrEqual(T0 + 300);
  });

  it("a slot further than NEAR_SLOT_MS away defers the record (no sleep); without a sleep, a near one defers too", async () => {
    const { deps, store, meta, limiter } = setup();
    const slept: number[] = [];
    limiter.states.set(ACCOUNT, { runs: [[T0 + NEAR_SLOT_MS + 1, 1]] });
    await store.create(message());
    const far = await processRecord(record("m1"), { ...deps, sleep: async (ms) => void slept.push(ms) });
    expect(far).toMatchObject({ kind: "defer", until: T0 + NEAR_SLOT_MS + 1, result: "waiting_for_cap" });
    limiter.states.set(ACCOUNT, { runs: [[T0 + 300, 1]] });
    await store.create(message({ messageId: "m2" }));
    const near = await processRecord(record("m2"), deps);
    expect(near).toMatchObject({ kind: "defer", result: "waiting_for_cap" });
    expect(slept).toEqual([]);
    expect(meta.calls).toBe(0);
  });

  it("a wait that would reach maxReceiveCount becomes an explicit failure and a DLQ copy", async () => {
    const { deps, store } = setup({ cap: 1 });
    await store.create(message({ messageId: "first" }));
    await store.create(message({ messageId: "m1", igsid: "2" }));
    expect((await processRecord(record("first"), deps)).kind).toBe("done");
    const outcome = await processRecord(record("m1", "g2", 9), deps);
    expect(outcome).toEqual({ kind: "dead_letter", result: "receive_budget_exhausted" });
    expect(await store.get({ imoId: "imo", messageId: "m1" })).toMatchObject({
      status: "failed",
      failureReason: "retries_exhausted",
    });
  });

  it("waiting is not an attempt: the budget ends only at the queue's last receive or after MAX_QUEUED_MS", () => {
    const base = { maxReceiveCount: 1000, acceptedAt: T0 };
    expect(waitBudgetSpent({ ...base, receiveCount: 1, now: T0 })).toBe(false);
    // 24 hours of hourly re-throttles: ~25 receives, nowhere near the end.
    expect(waitBudgetSpent({ ...base, receiveCount: 25, now: T0 + 24 * 3_600_000 })).toBe(false);
    expect(waitBudgetSpent({ ...base, receiveCount: 998, now: T0 + 60_000 })).toBe(false);
    expect(waitBudgetSpent({ ...base, receiveCount: 999, now: T0 + 60_000 })).toBe(true);
    expect(waitBudgetSpent({ ...base, receiveCount: 2, now: T0 + MAX_QUEUED_MS - 1 })).toBe(false);
    expect(waitBudgetSpent({ ...base, receiveCount: 2, now: T0 + MAX_QUEUED_MS })).toBe(true);
    // A day of margin before SQS's retention would drop the record silently.
    expect(MAX_QUEUED_MS).toBe((OutboundQueue.retentionSeconds - 86_400) * 1000);
    // The bound the queue is sized for: 5-minute pauses back to back for MAX_QUEUED_MS stay under it.
    expect(MAX_QUEUED_MS / (5 * 60_000)).toBeLessThan(OutboundQueue.maxReceiveCount - 1);
  });

  it("a message held back by Meta's pause keeps waiting on its 500th receive (attempts untouched); too old, it fails", async () => {
    const { deps: base, store, limiter, meta, advance } = setup();
    const deps = { ...base, maxReceiveCount: OutboundQueue.maxReceiveCount };
    // HUMAN_AGENT: the reply window (7 days) outlasts MAX_QUEUED_MS, so age is what ends the wait below.
    await store.create(message({ tag: "HUMAN_AGENT" }));
    await limiter.pause(ACCOUNT, T0 + 60 * 60_000);
    const outcome = await processRecord(record("m1", "g1", 500), deps);
    expect(outcome).toMatchObject({ kind: "defer", until: T0 + 60 * 60_000 });
    expect(await store.get({ imoId: "imo", messageId: "m1" })).toMatchObject({
      status: "queued",
      attempts: 0,
    });
    expect(meta.calls).toBe(0);

    advance(MAX_QUEUED_MS);
    await limiter.pause(ACCOUNT, T0 + MAX_QUEUED_MS + 60 * 60_000);
    expect(await processRecord(record("m1", "g1", 501), deps)).toEqual({
      kind: "dead_letter",
      result: "receive_budget_exhausted",
    });
    expect(await store.get({ imoId: "imo", messageId: "m1" })).toMatchObject({
      status: "failed",
      failureReason: "retries_exhausted",
    });
    expect(meta.calls).toBe(0);
  });

  it("within a batch, a conversation's later message waits behind its deferred predecessor; other conversations go", async () => {
    const { deps, store, meta } = setup({ cap: 1 });
    await store.create(message({ messageId: "a1" }));
    await store.create(message({ messageId: "b1", igsid: "2" }));
    await store.create(message({ messageId: "b2", igsid: "2" }));
    const outcomes = await processBatch([record("a1", "gA"), record("b1", "gB"), record("b2", "gB")], deps);
    expect(outcomes.map((o) => o.kind)).toEqual(["done", "defer", "defer"]);
    expect(outcomes[2]).toMatchObject({
      result: "behind_earlier_message",
      until: (outcomes[1] as { until: number }).until,
    });
    expect(meta.sends.map((s) => s.request.recipientId)).toEqual(["3416870925138842"]);
    expect((await store.get({ imoId: "imo", messageId: "b2" }))?.slotAt).toBeUndefined();
  });

  it("a message returning at its slot sends without reserving again; one returning too late reserves anew", async () => {
    const { deps, store, limiter, advance, meta } = setup({ cap: 1 });
    await store.create(message({ messageId: "first", igsid: "9" }));
    await processRecord(record("first", "g9"), deps);
    await store.create(message({ messageId: "m1" }));
    const deferred = await processRecord(record("m1"), deps);
    expect(deferred.kind).toBe("defer");
    const slot = (await store.get({ imoId: "imo", messageId: "m1" }))?.slotAt ?? 0;
    const runsBefore = JSON.stringify(limiter.states.get(ACCOUNT));
    advance(slot - T0 + 1000);
    expect((await processRecord(record("m1", "g1", 2), deps)).kind).toBe("done");
    expect(JSON.stringify(limiter.states.get(ACCOUNT))).toBe(runsBefore);
    expect(meta.sends).toHaveLength(2);

    // Late: a deferred message that comes back after its grace must not use its stale slot.
    await store.create(message({ messageId: "late", igsid: "8" }));
    const waiting = await processRecord(record("late", "g8"), deps);
    expect(waiting.kind).toBe("defer");
    const lateSlot = (await store.get({ imoId: "imo", messageId: "late" }))?.slotAt ?? 0;
    advance(lateSlot - (slot + 1000) + deps.limits.graceMs + 5_000);
    const again = await processRecord(record("late", "g8", 2), deps);
    expect(again.kind).toBe("defer");
    expect((await store.get({ imoId: "imo", messageId: "late" }))?.slotAt).toBeGreaterThan(lateSlot);
  });

  it("revoked or missing integration fails integration_disconnected; a token that cannot be opened marks needs_reauth", async () => {
    const revoked = setup({ integrations: [{ ...integration, status: "revoked" }] });
    await revoked.store.create(message());
    await processRecord(record("m1"), revoked.deps);
    expect((await revoked.store.get({ imoId: "imo", messageId: "m1" }))?.failureReason).toBe(
      "integration_disconnected",
    );

    const broken = setup();
    await broken.store.create(message());
    const deps = {
      ...broken.deps,
      accessToken: () => {
        throw new Error("cannot open");
      },
    };
    await processRecord(record("m1"), deps);
    expect((await broken.store.get({ imoId: "imo", messageId: "m1" }))?.failureReason).toBe(
      "reauth_required",
    );
    expect((await broken.integrations.get("imo", "user"))?.status).toBe("needs_reauth");
    expect(broken.meta.calls).toBe(0);
  });

  it("an unknown, sent or failed message is acknowledged without a send", async () => {
    const { deps, store, meta } = setup();
    await store.create(message({ messageId: "sent", status: "sent" }));
    await store.create(message({ messageId: "failed", status: "failed" }));
    for (const id of ["nope", "sent", "failed"])
      expect((await processRecord(record(id), deps)).kind).toBe("done");
    expect(meta.calls).toBe(0);
  });
});

describe("Meta's usage signals (X-Business-Use-Case-Usage, X-App-Usage)", () => {
  const MINUTE = 60_000;

  it("a success at 95 % account usage slows the account down: paused 6 minutes, the next message waits", async () => {
    const { deps, store, limiter, meta } = setup();
    const send = meta.send;
    deps.meta.send = async (request) => {
      await send(request);
      return { ok: true, mid: `mid-${meta.calls}`, usage: { accountPercent: 95, regainAccessMs: 0 } };
    };
    await store.create(message({ messageId: "m1" }));
    await store.create(message({ messageId: "m2", igsid: "3416870925138843" }));
    // Batches run conversations concurrently: the pause is seen by records that start after it (the next batch).
    const [first] = await processBatch([record("m1", "g1")], deps);
    const [second] = await processBatch([record("m2", "g2")], deps);
    expect(first).toMatchObject({ kind: "done", result: "sent" });
    expect(limiter.states.get(ACCOUNT)?.pausedUntil).toBe(T0 + 6 * MINUTE);
    expect(second).toMatchObject({ kind: "defer" });
    expect(meta.calls).toBe(1);
  });

  it("usage below 90 % changes nothing", async () => {
    const { deps, store, limiter } = setup();
    const send = deps.meta.send;
    deps.meta.send = async (request) => {
      const result = await send(request);
      return result.ok
        ? { ...result, usage: { accountPercent: 89, appPercent: 50, regainAccessMs: 0 } }
        : result;
    };
    await store.create(message());
    await processBatch([record("m1")], deps);
    expect(limiter.states.get(ACCOUNT)?.pausedUntil).toBeUndefined();
    expect(limiter.states.get("*app")).toBeUndefined();
  });

  it("code 4 (the app's limit) pauses every account for Meta's estimated time: another account's message makes no call", async () => {
    const other: Integration = { ...integration, userId: "user-2", igAccountId: "17841400000000999" };
    const { deps, store, limiter, meta } = setup({ integrations: [integration, other] });
    deps.meta.send = async () => {
      meta.calls += 1;
      return { ok: false, kind: "rate_limited", scope: "app", retryAfterMs: 20 * MINUTE };
    };
    await store.create(message({ messageId: "m1" }));
    await store.create(message({ messageId: "m2", userId: "user-2", igAccountId: other.igAccountId }));
    // Batches run conversations concurrently: the pause is seen by records that start after it (the next batch).
    const outcomes = [
      ...(await processBatch([record("m1", "g1")], deps)),
      ...(await processBatch([record("m2", "g2")], deps)),
    ];
    expect(limiter.states.get("*app")?.pausedUntil).toBe(T0 + 20 * MINUTE);
    expect(outcomes[0]).toMatchObject({ kind: "defer", result: "app_rate_limited" });
    expect(outcomes[1]).toMatchObject({ kind: "defer", until: T0 + 20 * MINUTE, result: "app_rate_limited" });
    expect(meta.calls).toBe(1);
  });
});
