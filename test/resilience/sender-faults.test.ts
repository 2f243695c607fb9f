import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetaSimulator, type SimAccount, startMetaSimulator } from "../../dev/meta-simulator/index";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { DEFAULT_RETRY } from "../../lambdas/domain/outbound/retry";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { freshTable } from "../support/local-aws";
import { readItem, seedConversation, seedIntegration } from "../support/outbound-harness";
import { maxInAnyHour, SenderRig } from "../support/sender-rig";

/**
 * The sender under Meta outages and slowness, and crashes at its two dangerous points, on DynamoDB Local and
 * the Meta simulator (over HTTP), in virtual time. What must hold (docs/outbound.md): every message ends `sent`
 * or `failed` with the reason of what happened to it, none is lost or sent twice, and the cap holds throughout.
 */
const START = Date.UTC(2026, 10, 25, 9, 0, 0);
const CAP = 10;
const ACCOUNT_A: SimAccount = {
  igId: "17841400000000301",
  appScopedId: "26913384700000301",
  username: "shop.a",
  name: "Shop A",
  accountType: "BUSINESS",
};
const ACCOUNT_B: SimAccount = {
  ...ACCOUNT_A,
  igId: "17841400000000302",
  appScopedId: "26913384700000302",
  username: "shop.b",
};

let sim: MetaSimulator;
let tableName: string;

beforeAll(async () => {
  sim = await startMetaSimulator({
    appId: FAKE.appId,
    appSecret: FAKE.igAppSecret,
    accounts: [ACCOUNT_A, ACCOUNT_B],
  });
  tableName = await freshTable();
  setHandlerEnv({ tableName, INSTAGRAM_GRAPH_URL: sim.url });
});

afterAll(async () => {
  await sim.stop();
});

interface Backlog {
  readonly tenant: { imoId: string; userId: string };
  readonly account: SimAccount;
  readonly token: string;
  readonly messageIds: string[];
}

/** A connected integration with `conversations` open windows and `count` messages accepted round-robin. */
async function backlog(
  rig: SenderRig,
  account: SimAccount,
  label: string,
  count: number,
  conversations: number,
) {
  const tenant = { imoId: `imo-${label}`, userId: `user-${label}` };
  const token = sim.issueToken({ igAccountId: account.igId });
  await seedIntegration(tableName, { token, tenant, igAccountId: account.igId });
  const igsids = Array.from(
    { length: conversations },
    (_, i) => `${account.igId.slice(-3)}${String(i).padStart(13, "0")}`,
  );
  for (const igsid of igsids) {
    sim.openWindow({ igAccountId: account.igId, igsid });
    await seedConversation(tableName, rig.now - 60_000, {
      imoId: tenant.imoId,
      igAccountId: account.igId,
      igsid,
    });
  }
  const messageIds: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const messageId = `${label}-${String(i).padStart(4, "0")}`;
    await rig.accept({
      imoId: tenant.imoId,
      userId: tenant.userId,
      igAccountId: account.igId,
      igsid: igsids[i % conversations] ?? "",
      messageId,
      content: { text: `${label} message ${i}` },
    });
    messageIds.push(messageId);
  }
  return { tenant, account, token, messageIds } satisfies Backlog;
}

async function finalStates(rig: SenderRig, b: Backlog) {
  return Promise.all(b.messageIds.map((messageId) => rig.store.get({ imoId: b.tenant.imoId, messageId })));
}

/** Sends per message id as Meta recorded them (the simulator's own log, not ours). */
function metaSendsByText(igAccountId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const sent of sim.sentMessages(igAccountId))
    counts.set(sent.text ?? "", (counts.get(sent.text ?? "") ?? 0) + 1);
  return counts;
}

describe("sender resilience", () => {
  it("Meta 5xx, timeouts, rate limits and a token revoked mid-backlog: all sent or failed rightly, none lost or doubled, cap holds", async () => {
    const rig = new SenderRig({
      tableName,
      metaUrl: sim.url,
      cap: CAP,
      start: START,
      metaTimeoutMs: 300,
      senders: 2,
    });
    const a = await backlog(rig, ACCOUNT_A, "chaos-a", 40, 5);
    const b = await backlog(rig, ACCOUNT_B, "chaos-b", 30, 4);
    // Faults spread over the run: server errors, transient errors, connections dropped after the client's
    // timeout, slow answers, and rate limits, on both accounts.
    for (const account of [ACCOUNT_A.igId, ACCOUNT_B.igId]) {
      sim.injectFault({ kind: "server_error", igAccountId: account, count: 3 });
      sim.injectFault({ kind: "transient", igAccountId: account, count: 2 });
      sim.injectFault({ kind: "timeout", igAccountId: account, count: 2, delayMs: 800 });
      sim.injectFault({ kind: "rate_limit", igAccountId: account, count: 1 });
      sim.injectFault({ kind: "slow", igAccountId: account, count: 2, delayMs: 100 });
    }
    // Account A's user removes the app after 15 of A's messages went out.
    const REVOKE_AFTER = 15;
    let sentA = 0;
    rig.onSent = (send) => {
      if (send.igAccountId !== ACCOUNT_A.igId) return;
      sentA += 1;
      if (sentA === REVOKE_AFTER) sim.invalidateToken(a.token);
    };

    await rig.drain();

    const statesA = await finalStates(rig, a);
    const statesB = await finalStates(rig, b);
    // Nothing lost: every message reached a final state and the queue is empty.
    expect(rig.queue.size).toBe(0);
    for (const state of [...statesA, ...statesB]) expect(["sent", "failed"]).toContain(state?.status);

    // Nothing sent twice, by Meta's own record; every `sent` message was sent exactly once, failed ones never.
    for (const backlogOf of [
      { b: a, states: statesA },
      { b: b, states: statesB },
    ]) {
      const counts = metaSendsByText(backlogOf.b.account.igId);
      backlogOf.states.forEach((state, i) => {
        const text = `${backlogOf.b.messageIds[i]?.replace(/-(\d+)$/, "")} message ${i}`;
        expect(counts.get(text) ?? 0, `${state?.messageId} (${state?.status})`).toBe(
          state?.status === "sent" ? 1 : 0,
        );
        if (state?.status === "sent") expect(state.mid).toEqual(expect.any(String));
      });
    }

    // A: exactly the sends before the revocation went out; the rest failed reauth_required (or, if a
    // message's own retries ran out first, retries_exhausted), and the integration must be reconnected.
    expect(statesA.filter((s) => s?.status === "sent")).toHaveLength(REVOKE_AFTER);
    const reasonsA = new Set(statesA.filter((s) => s?.status === "failed").map((s) => s?.failureReason));
    expect([...reasonsA].every((r) => r === "reauth_required" || r === "retries_exhausted")).toBe(true);
    expect(reasonsA.has("reauth_required")).toBe(true);
    const integrationA = await readItem(tableName, Keys.integration(a.tenant.imoId, a.tenant.userId));
    expect(integrationA?.status).toBe("needs_reauth");

    // B: the outage is survived: everything is sent unless one message exhausted its retries.
    for (const state of statesB) {
      if (state?.status === "failed") expect(state.failureReason).toBe("retries_exhausted");
    }
    expect(statesB.filter((s) => s?.status === "sent").length).toBeGreaterThanOrEqual(
      b.messageIds.length - 1,
    );

    // Failed for good ⇔ copied to the DLQ (its alarm fires); waiting never dead-letters.
    const exhausted = [...statesA, ...statesB].filter((s) => s?.failureReason === "retries_exhausted");
    expect(rig.queue.deadLetters.map((d) => d.ref.messageId).sort()).toEqual(
      exhausted.map((s) => s?.messageId).sort(),
    );

    // The cap holds in every rolling hour, by the sender's clock and by Meta's record.
    for (const account of [ACCOUNT_A.igId, ACCOUNT_B.igId]) {
      expect(
        maxInAnyHour(rig.sends.filter((s) => s.igAccountId === account).map((s) => s.at)),
      ).toBeLessThanOrEqual(CAP);
    }
    // The backlog was actually throttled and faulted, not trivially drained.
    expect(rig.now - START).toBeGreaterThan(60 * 60_000);
    expect(sim.requests().some((r) => r.status === 0)).toBe(true);
    expect(sim.requests().some((r) => r.status >= 500)).toBe(true);
  });

  it("crash after Meta accepted, before the status write: marked delivery_unconfirmed, never sent again", async () => {
    sim.clearFaults();
    const rig = new SenderRig({
      tableName,
      metaUrl: sim.url,
      cap: 200,
      start: START + 30 * 86_400_000,
      metaTimeoutMs: 2_000,
      senders: 1,
    });
    const b = await backlog(rig, ACCOUNT_B, "crash-one", 1, 1);
    const [messageId] = b.messageIds;
    rig.crashAfterMetaCall(messageId ?? "");
    await rig.drain();
    expect(rig.crashes).toBe(1);
    const [state] = await finalStates(rig, b);
    expect(state).toMatchObject({ status: "failed", failureReason: "delivery_unconfirmed", attempts: 1 });
    expect(metaSendsByText(ACCOUNT_B.igId).get("crash-one message 0")).toBe(1);
    expect(rig.queue.deadLetters).toHaveLength(0);
  });

  it("crash mid-batch (batch of 6): nothing sent twice, every message sent or explicitly unconfirmed", async () => {
    sim.clearFaults();
    const rig = new SenderRig({
      tableName,
      metaUrl: sim.url,
      cap: 200,
      start: START + 60 * 86_400_000,
      metaTimeoutMs: 2_000,
      senders: 1,
      batchSize: 6,
    });
    // Six conversations: the batch's records run concurrently, so the crash also cuts short whichever other sends
    // were in flight (as a real crash would); which ones is a matter of timing. What must hold for every message:
    const b = await backlog(rig, ACCOUNT_B, "crash-batch", 6, 6);
    rig.crashAfterMetaCall(b.messageIds[2] ?? "");
    await rig.drain();
    expect(rig.crashes).toBe(1);
    const states = await finalStates(rig, b);
    expect(states[2]).toMatchObject({ status: "failed", failureReason: "delivery_unconfirmed" });
    const counts = metaSendsByText(ACCOUNT_B.igId);
    for (const [i, state] of states.entries()) {
      const sends = counts.get(`crash-batch message ${i}`) ?? 0;
      // Never sent twice; `sent` exactly when Meta has it; anything else is an explicit unconfirmed failure.
      expect(sends, `message ${i}`).toBeLessThanOrEqual(1);
      if (state?.status === "sent") expect(sends, `message ${i}`).toBe(1);
      else
        expect(state, `message ${i}`).toMatchObject({
          status: "failed",
          failureReason: "delivery_unconfirmed",
        });
    }
    // The redelivered batch came back after the visibility timeout, not before.
    expect(rig.now - (START + 60 * 86_400_000)).toBeGreaterThanOrEqual(180_000);
  });

  it("crash after queued → sending, before the Meta call: failed delivery_unconfirmed, never sent (documented trade-off)", async () => {
    sim.clearFaults();
    const rig = new SenderRig({
      tableName,
      metaUrl: sim.url,
      cap: 200,
      start: START + 90 * 86_400_000,
      metaTimeoutMs: 2_000,
      senders: 1,
    });
    const b = await backlog(rig, ACCOUNT_B, "crash-early", 1, 1);
    rig.crashAfterMarkSending(b.messageIds[0] ?? "");
    await rig.drain();
    const [state] = await finalStates(rig, b);
    expect(state).toMatchObject({ status: "failed", failureReason: "delivery_unconfirmed" });
    expect(metaSendsByText(ACCOUNT_B.igId).get("crash-early message 0")).toBeUndefined();
  });

  it(`a message whose every attempt fails is failed retries_exhausted after ${DEFAULT_RETRY.maxAttempts} attempts, into the DLQ, sent never`, async () => {
    sim.clearFaults();
    const rig = new SenderRig({
      tableName,
      metaUrl: sim.url,
      cap: 200,
      start: START + 120 * 86_400_000,
      metaTimeoutMs: 300,
      senders: 1,
    });
    const b = await backlog(rig, ACCOUNT_B, "outage", 1, 1);
    sim.injectFault({ kind: "server_error", igAccountId: ACCOUNT_B.igId, count: "always" });
    try {
      await rig.drain();
    } finally {
      sim.clearFaults();
    }
    const [state] = await finalStates(rig, b);
    expect(state).toMatchObject({
      status: "failed",
      failureReason: "retries_exhausted",
      attempts: DEFAULT_RETRY.maxAttempts,
    });
    expect(rig.queue.deadLetters.map((d) => d.ref.messageId)).toEqual(b.messageIds);
  });
});
