import { describe, expect, it } from "vitest";
import { SENDING_LEASE_MS } from "../../lambdas/contract/queues";
import type { Integration } from "../../lambdas/domain/integration";
import {
  APP_WIDE_STATE_TTL_MS,
  cachingAppWideState,
  processBatch,
} from "../../lambdas/domain/outbound/batch";
import { limiterPolicy } from "../../lambdas/domain/outbound/limiter";
import type { OutboundMessage, SendRequest } from "../../lambdas/domain/outbound/ports";
import { APP_WIDE_LIMITER, DEFAULT_RETRY } from "../../lambdas/domain/outbound/retry";
import type { SenderDeps } from "../../lambdas/domain/outbound/send";
import {
  fixedWindows,
  memoryIntegrations,
  memoryOutboundStore,
  memorySendLimiter,
} from "../support/outbound-fakes";

/**
 * processBatch: a batch's conversations run concurrently, each one's records strictly in order, a deferral
 * blocks the rest of its conversation, and nothing starts after the batch's deadline. Meta answers after a delay
 * the test controls, so overlap and order are observed, not assumed.
 */
const T0 = Date.UTC(2026, 10, 30, 10, 0, 0);
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
  version: 1,
};

function message(messageId: string, igsid: string): OutboundMessage {
  return {
    imoId: "imo",
    userId: "user",
    igAccountId: ACCOUNT,
    igsid,
    messageId,
    status: "queued",
    content: { text: messageId },
    acceptedAt: T0,
    attempts: 0,
  };
}

const record = (messageId: string, group: string) => ({
  ref: { imoId: "imo", messageId },
  group,
  receiveCount: 1,
});

/** Meta calls start, and finish only when the test releases them (in any order it likes). */
function setup(cap = 200) {
  const clock = { now: T0 };
  const store = memoryOutboundStore();
  const events: string[] = [];
  const pending = new Map<string, () => void>();
  let inFlight = 0;
  let maxInFlight = 0;
  const deps: SenderDeps = {
    store,
    integrations: memoryIntegrations([integration]),
    conversations: fixedWindows(T0 - 60_000),
    limiter: memorySendLimiter(limiterPolicy(cap)),
    meta: {
      async send(request: SendRequest) {
        const text = "text" in request.content ? request.content.text : "";
        events.push(`start ${text}`);
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise<void>((resolve) => pending.set(text, resolve));
        inFlight -= 1;
        events.push(`end ${text}`);
        return { ok: true, mid: `mid-${text}` };
      },
    },
    accessToken: () => "IGAAtoken",
    now: () => clock.now,
    random: () => 0.5,
    limits: limiterPolicy(cap),
    retry: DEFAULT_RETRY,
    maxReceiveCount: 1000,
    sendingLeaseMs: SENDING_LEASE_MS,
  };
  /** Lets every started Meta call whose text is in `texts` answer, once it has started. */
  const release = async (...texts: string[]) => {
    for (const text of texts) {
      for (let spins = 0; !pending.has(text); spins += 1) {
        if (spins > 1000) throw new Error(`${text} never reached Meta`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      pending.get(text)?.();
      pending.delete(text);
    }
  };
  return { deps, store, events, release, clock, maxInFlight: () => maxInFlight };
}

describe("processBatch", () => {
  it("runs conversations concurrently and each conversation's records strictly in order", async () => {
    const { deps, store, events, release, maxInFlight } = setup();
    for (const [id, igsid] of [
      ["a1", "A"],
      ["b1", "B"],
      ["a2", "A"],
      ["c1", "C"],
      ["b2", "B"],
      ["a3", "A"],
    ] as const)
      await store.create(message(id, igsid));
    const batch = processBatch(
      [
        record("a1", "gA"),
        record("b1", "gB"),
        record("a2", "gA"),
        record("c1", "gC"),
        record("b2", "gB"),
        record("a3", "gA"),
      ],
      deps,
    );
    // Answer the conversations in an order of our choosing: C first, then B's, then A's.
    await release("c1", "b1", "b2", "a1", "a2", "a3");
    const outcomes = await batch;

    expect(outcomes.map((o) => o.result)).toEqual(["sent", "sent", "sent", "sent", "sent", "sent"]);
    // All three conversations were at Meta at once; within one, a record started only after the previous ended.
    expect(maxInFlight()).toBe(3);
    for (const [earlier, later] of [
      ["a1", "a2"],
      ["a2", "a3"],
      ["b1", "b2"],
    ]) {
      expect(events.indexOf(`start ${later}`)).toBeGreaterThan(events.indexOf(`end ${earlier}`));
    }
    expect(events.slice(0, 3).sort()).toEqual(["start a1", "start b1", "start c1"]);
  });

  it("a deferred record blocks the rest of its conversation in the batch; other conversations still send", async () => {
    // Cap 2: a1 and b1 take the two slots of the hour; a2 must wait, so a3 waits behind it; c1 waits for the cap.
    const { deps, store, release } = setup(2);
    for (const [id, igsid] of [
      ["a1", "A"],
      ["a2", "A"],
      ["a3", "A"],
      ["b1", "B"],
    ] as const)
      await store.create(message(id, igsid));
    const batch = processBatch(
      [record("a1", "gA"), record("a2", "gA"), record("a3", "gA"), record("b1", "gB")],
      deps,
    );
    await release("a1", "b1");
    const [a1, a2, a3, b1] = await batch;

    expect(a1).toMatchObject({ kind: "done", result: "sent" });
    expect(b1).toMatchObject({ kind: "done", result: "sent" });
    expect(a2).toMatchObject({ kind: "defer", result: "waiting_for_cap" });
    expect(a3).toEqual({
      kind: "defer",
      until: (a2 as { until: number }).until,
      result: "behind_earlier_message",
    });
    // a3 never reached a slot of its own: it cannot overtake a2 when both come back.
    expect((await store.get({ imoId: "imo", messageId: "a3" }))?.slotAt).toBeUndefined();
    expect((await store.get({ imoId: "imo", messageId: "a3" }))?.status).toBe("queued");
  });

  it("starts no record after the deadline: the rest of each conversation comes straight back, in order", async () => {
    const { deps, store, release, clock } = setup();
    for (const [id, igsid] of [
      ["a1", "A"],
      ["a2", "A"],
      ["b1", "B"],
    ] as const)
      await store.create(message(id, igsid));
    const send = deps.meta.send;
    deps.meta.send = async (request) => {
      const result = await send(request);
      clock.now += 20_000; // a slow Meta: the first sends use up the time
      return result;
    };
    const batch = processBatch([record("a1", "gA"), record("a2", "gA"), record("b1", "gB")], deps, {
      startBefore: T0 + 15_000,
    });
    await release("a1", "b1");
    const [a1, a2, b1] = await batch;
    expect(a1).toMatchObject({ result: "sent" });
    expect(b1).toMatchObject({ result: "sent" });
    expect(a2).toEqual({ kind: "defer", until: clock.now, result: "out_of_time" });
    expect((await store.get({ imoId: "imo", messageId: "a2" }))?.status).toBe("queued");
  });
});

describe("cachingAppWideState", () => {
  it("reads the app-wide item once per second per instance, sees its own pause at once, and never caches accounts", async () => {
    let now = T0;
    const inner = memorySendLimiter(limiterPolicy(200));
    const reads: string[] = [];
    const counted = {
      ...inner,
      state: (id: string) => {
        reads.push(id);
        return inner.state(id);
      },
    };
    const limiter = cachingAppWideState(counted, () => now);

    await Promise.all(Array.from({ length: 50 }, () => limiter.state(APP_WIDE_LIMITER)));
    expect(reads.filter((id) => id === APP_WIDE_LIMITER)).toHaveLength(1);

    await limiter.pause(APP_WIDE_LIMITER, T0 + 60_000);
    expect((await limiter.state(APP_WIDE_LIMITER)).pausedUntil).toBe(T0 + 60_000);

    // A pause set by another instance is seen once the cache is a second old.
    await inner.pause(APP_WIDE_LIMITER, T0 + 120_000);
    expect((await limiter.state(APP_WIDE_LIMITER)).pausedUntil).toBe(T0 + 60_000);
    now += APP_WIDE_STATE_TTL_MS;
    expect((await limiter.state(APP_WIDE_LIMITER)).pausedUntil).toBe(T0 + 120_000);

    await limiter.state(ACCOUNT);
    await limiter.state(ACCOUNT);
    expect(reads.filter((id) => id === ACCOUNT)).toHaveLength(2);
  });

  it("does not keep a failed read", async () => {
    let fail = true;
    const inner = memorySendLimiter(limiterPolicy(200));
    const limiter = cachingAppWideState(
      {
        ...inner,
        state: async (id) => {
          if (fail) throw new Error("throttled");
          return inner.state(id);
        },
      },
      () => T0,
    );
    await expect(limiter.state(APP_WIDE_LIMITER)).rejects.toThrow("throttled");
    fail = false;
    expect(await limiter.state(APP_WIDE_LIMITER)).toEqual({ runs: [] });
  });
});
