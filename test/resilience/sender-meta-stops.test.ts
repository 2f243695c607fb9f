import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetaSimulator, type SimAccount, startMetaSimulator } from "../../dev/meta-simulator/index";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { dynamoIntegrationAccess } from "../../lambdas/adapters/dynamo/outbound-lookups";
import { summarise } from "../../lambdas/domain/connect/lifecycle";
import { integrationBody } from "../../lambdas/http/connect-results";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { freshTable } from "../support/local-aws";
import { seedConversation, seedIntegration } from "../support/outbound-harness";
import { SenderRig } from "../support/sender-rig";

/**
 * Meta's account-wide answers, on DynamoDB Local and the Meta simulator (over HTTP) in virtual time (the
 * simulator's clock is the rig's): a throttle with Meta's `estimated_time_to_regain_access`, and an account
 * restricted from sending. What must hold: the account's queue waits as long as Meta says, with at most one
 * Meta call while it is held back, and every message is then sent — none dead-lettered or failed.
 */
const START = Date.UTC(2026, 10, 26, 9, 0, 0);
const MINUTE = 60_000;
const ACCOUNT: SimAccount = {
  igId: "17841400000000401",
  appScopedId: "26913384700000401",
  username: "shop.stops",
  name: "Shop Stops",
  accountType: "BUSINESS",
};

let sim: MetaSimulator;
let tableName: string;
let rig: SenderRig | undefined;

beforeAll(async () => {
  sim = await startMetaSimulator({
    appId: FAKE.appId,
    appSecret: FAKE.igAppSecret,
    accounts: [ACCOUNT],
    now: () => rig?.now ?? START,
  });
  tableName = await freshTable();
  setHandlerEnv({ tableName, INSTAGRAM_GRAPH_URL: sim.url });
});

afterAll(async () => {
  await sim.stop();
});

/** A connected integration, `conversations` open windows, and `count` messages accepted round-robin. */
async function backlog(label: string, count: number, conversations: number, start: number, senders = 2) {
  rig = new SenderRig({ tableName, metaUrl: sim.url, cap: 200, start, metaTimeoutMs: 2_000, senders });
  const tenant = { imoId: `imo-${label}`, userId: `user-${label}` };
  const token = sim.issueToken({ igAccountId: ACCOUNT.igId });
  const integration = await seedIntegration(tableName, { token, tenant, igAccountId: ACCOUNT.igId });
  const igsids = Array.from({ length: conversations }, (_, i) => `401${String(i).padStart(13, "0")}`);
  for (const igsid of igsids) {
    sim.openWindow({ igAccountId: ACCOUNT.igId, igsid });
    await seedConversation(tableName, rig.now - MINUTE, {
      imoId: tenant.imoId,
      igAccountId: ACCOUNT.igId,
      igsid,
    });
  }
  const messageIds: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const messageId = `${label}-${String(i).padStart(3, "0")}`;
    await rig.accept({
      imoId: tenant.imoId,
      userId: tenant.userId,
      igAccountId: ACCOUNT.igId,
      igsid: igsids[i % conversations] ?? "",
      messageId,
      content: { text: `${label} ${i}` },
    });
    messageIds.push(messageId);
  }
  return { rig, tenant, integration, messageIds };
}

/** Send API calls Meta received for the account between two (virtual) times. */
function sendCalls(from: number, to: number) {
  return sim
    .requests()
    .filter((r) => r.method === "POST" && r.path.endsWith(`/${ACCOUNT.igId}/messages`))
    .filter((r) => r.at >= from && r.at < to);
}

describe("account-wide answers from Meta", () => {
  it("a 60-minute throttle (estimated_time_to_regain_access) defers the backlog, one Meta call during it, then sends all; no DLQ", async () => {
    // One sender at the start: two that take their slots at the same instant before anyone knows of the
    // throttle each make a call (the restriction test below shows that case); after that, one probe per pause.
    const { rig: r, tenant, messageIds } = await backlog("throttle", 12, 4, START, 1);
    sim.throttle({ igAccountId: ACCOUNT.igId, regainAccessMinutes: 60 });
    const throttleEnds = START + 60 * MINUTE;

    await r.drain();

    const states = await Promise.all(
      messageIds.map((messageId) => r.store.get({ imoId: tenant.imoId, messageId })),
    );
    expect(states.map((s) => s?.status)).toEqual(messageIds.map(() => "sent"));
    expect(r.queue.deadLetters).toHaveLength(0);
    // Held back as long as Meta said (not the 5-minute default), with one call (the one that learnt of it).
    expect(sendCalls(START, throttleEnds)).toHaveLength(1);
    expect(Math.min(...r.sends.map((s) => s.at))).toBeGreaterThanOrEqual(throttleEnds);
    expect(sim.sentMessages(ACCOUNT.igId).filter((m) => m.text?.startsWith("throttle "))).toHaveLength(12);
  });

  it("an account-level stop (10/1893063) pauses the account: one Meta call, the rest untouched; visible as restricted; resumes when lifted", async () => {
    const start = START + 2 * 86_400_000;
    const { rig: r, tenant, messageIds } = await backlog("restricted", 8, 4, start);
    sim.setAccountRestriction(ACCOUNT.igId, "restricted");
    // Lifted by Meta 90 minutes later: the second hourly probe goes through.
    const liftAt = start + 90 * MINUTE;
    r.onClock = (now) => {
      if (now >= liftAt) sim.setAccountRestriction(ACCOUNT.igId, undefined);
    };
    await r.drain();

    // The two concurrent senders each met the stop at the first instant; after that one probe an hour, and the
    // other queued messages never reached Meta while it held.
    expect(sendCalls(start, start + 1_000).length).toBeLessThanOrEqual(2);
    expect(sendCalls(start + 1_000, liftAt)).toHaveLength(1);
    const states = await Promise.all(
      messageIds.map((messageId) => r.store.get({ imoId: tenant.imoId, messageId })),
    );
    expect(states.map((s) => s?.status)).toEqual(messageIds.map(() => "sent"));
    expect(r.queue.deadLetters).toHaveLength(0);
    // Cleared by the successful probe.
    const after = await dynamoIntegrationAccess({ db: documentClient(), tableName }).get(
      tenant.imoId,
      tenant.userId,
    );
    expect(after?.restriction).toBeUndefined();
  });

  it("while restricted, GET /instagram/integration shows status restricted with the reason and when it was seen", async () => {
    const start = START + 4 * 86_400_000;
    const { rig: r, tenant, messageIds } = await backlog("blocked", 3, 1, start);
    sim.setAccountRestriction(ACCOUNT.igId, "business_blocked");
    try {
      // Run only until the stop is recorded: one receive.
      const stopAt = start + 10 * MINUTE;
      const access = dynamoIntegrationAccess({ db: documentClient(), tableName });
      while (r.now < stopAt && (await access.get(tenant.imoId, tenant.userId))?.restriction === undefined) {
        await r.step();
      }
      const integration = await access.get(tenant.imoId, tenant.userId);
      expect(integration?.restriction).toMatchObject({ reason: "business_blocked" });
      const body = integrationBody(integration === undefined ? undefined : summarise(integration));
      expect(body).toMatchObject({
        status: "restricted",
        restriction: { reason: "business_blocked", since: expect.any(String), seenAt: expect.any(String) },
      });
      const states = await Promise.all(
        messageIds.map((messageId) => r.store.get({ imoId: tenant.imoId, messageId })),
      );
      expect(states.every((s) => s?.status === "queued")).toBe(true);
      expect(sendCalls(start, start + 10 * MINUTE)).toHaveLength(1);
    } finally {
      sim.setAccountRestriction(ACCOUNT.igId, undefined);
    }
  });

  it("a thread another app owns (100/2534037) fails that message not_thread_owner; the account keeps sending", async () => {
    const start = START + 6 * 86_400_000;
    const { rig: r, tenant, messageIds } = await backlog("owner", 2, 2, start, 1);
    sim.setThreadOwner({ igAccountId: ACCOUNT.igId, igsid: `401${"0".repeat(13)}`, owner: "other" });
    try {
      await r.drain();
    } finally {
      sim.setThreadOwner({ igAccountId: ACCOUNT.igId, igsid: `401${"0".repeat(13)}`, owner: "us" });
    }
    const states = await Promise.all(
      messageIds.map((messageId) => r.store.get({ imoId: tenant.imoId, messageId })),
    );
    expect(states.map((s) => [s?.status, s?.failureReason])).toEqual([
      ["failed", "not_thread_owner"],
      ["sent", undefined],
    ]);
  });

  it("a 24-hour throttle, extended hour by hour (estimated_time_to_regain_access 60): every message sent once, in order; none retries_exhausted, no DLQ", async () => {
    const start = START + 8 * 86_400_000;
    const hours = 24;
    const throttleEnds = start + hours * 60 * MINUTE;
    const conversations = 4;
    const { rig: r, tenant, messageIds } = await backlog("long", 16, conversations, start, 1);
    const igsids = Array.from({ length: conversations }, (_, i) => `401${String(i).padStart(13, "0")}`);
    // Meta keeps answering "regain access in 60 minutes" for a day: each probe re-throttles the account.
    let throttledUntil = start + 60 * MINUTE;
    sim.throttle({ igAccountId: ACCOUNT.igId, regainAccessMinutes: 60 });
    let wroteAgain = false;
    const writes: Promise<void>[] = [];
    r.onClock = (now) => {
      if (now >= throttledUntil && now < throttleEnds) {
        const minutes = Math.min(60, Math.ceil((throttleEnds - now) / MINUTE));
        sim.throttle({ igAccountId: ACCOUNT.igId, regainAccessMinutes: minutes });
        throttledUntil = now + minutes * MINUTE;
      }
      // The customers write again at hour 20, so the 24-hour reply window is still open when the throttle lifts.
      if (!wroteAgain && now >= start + 20 * 60 * MINUTE) {
        wroteAgain = true;
        for (const igsid of igsids) {
          sim.openWindow({ igAccountId: ACCOUNT.igId, igsid });
          writes.push(
            seedConversation(tableName, now, { imoId: tenant.imoId, igAccountId: ACCOUNT.igId, igsid }),
          );
        }
      }
    };
    await r.drain();
    await Promise.all(writes);
    expect(wroteAgain).toBe(true);

    const states = await Promise.all(
      messageIds.map((messageId) => r.store.get({ imoId: tenant.imoId, messageId })),
    );
    expect(states.map((s) => [s?.status, s?.failureReason])).toEqual(
      messageIds.map(() => ["sent", undefined]),
    );
    expect(r.queue.deadLetters).toHaveLength(0);
    // Sent once each, by Meta's own record, and only after the throttle lifted.
    const texts = sim
      .sentMessages(ACCOUNT.igId)
      .map((m) => m.text ?? "")
      .filter((t) => t.startsWith("long "));
    expect([...texts].sort()).toEqual(messageIds.map((_, i) => `long ${i}`).sort());
    expect(Math.min(...r.sends.map((s) => s.at))).toBeGreaterThanOrEqual(throttleEnds);
    // Order per conversation: message i belongs to conversation i % 4; Meta received each one's in order.
    for (let c = 0; c < conversations; c += 1) {
      const expected = messageIds.map((_, i) => i).filter((i) => i % conversations === c);
      const received = texts.map((t) => Number(t.slice(5))).filter((i) => i % conversations === c);
      expect(received).toEqual(expected);
    }
    // The throttle really was long and re-extended: about one probe per hour, and the waiting heads were
    // received far more often than the old budget of 10 receives allowed.
    const probes = sendCalls(start, throttleEnds).length;
    expect(probes).toBeGreaterThanOrEqual(hours - 1);
    expect(probes).toBeLessThanOrEqual(hours + 1);
    expect(Math.max(...r.queue.receivesAtDelete.values())).toBeGreaterThan(10);
  });
});
