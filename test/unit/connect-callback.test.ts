import { describe, expect, it } from "vitest";
import type { AppSecrets } from "../../lambdas/contract/secrets";
import {
  type CallbackDeps,
  type CallbackOutcome,
  handleCallback,
} from "../../lambdas/domain/connect/callback";
import { type CompleteDeps, completeConnect } from "../../lambdas/domain/connect/complete";
import { confirmationCodeFor, runErasureStep } from "../../lambdas/domain/connect/erasure";
import type { DataDeletionStore, ErasureCounts, ErasureStore } from "../../lambdas/domain/connect/ports";
import {
  type AccountClaim,
  type ConnectPlan,
  type ConnectTicketRecord,
  type ConnectTicketStore,
  type InstagramLogin,
  type IntegrationStore,
  MetaCallError,
  type OAuthStateRecord,
  type OAuthStateStore,
} from "../../lambdas/domain/connect/ports";
import { refreshDueTokens } from "../../lambdas/domain/connect/refresh";
import { assertFresh } from "../../lambdas/domain/connect/signed-request";
import { ticketHash } from "../../lambdas/domain/connect/ticket";
import type { Integration } from "../../lambdas/domain/integration";
import { openToken, sealToken, tokenKeysFrom } from "../../lambdas/domain/token-seal";

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const DAY = 86_400_000;
const SECRETS: AppSecrets = {
  appId: "990602627938098",
  appSecret: "app-secret",
  verifyToken: "verify",
  tokenEncryptionKey: "TestTokenEncryptionKey0123456789abcdefghijklmnop",
  previousTokenEncryptionKeys: [],
  signingSecrets: ["app-secret"],
};
const KEYS = tokenKeysFrom(SECRETS);

/** In-memory states with the adapter's single-use semantics. */
function memoryStates(): OAuthStateStore & { records: Map<string, OAuthStateRecord> } {
  const records = new Map<string, OAuthStateRecord>();
  return {
    records,
    put: async (record) => void records.set(record.state, record),
    consume: async (state) => {
      const record = records.get(state);
      records.delete(state);
      return record;
    },
  };
}

/** In-memory integrations enforcing the same version conditions as the DynamoDB adapter. */
function memoryStore(): IntegrationStore & {
  items: Map<string, Integration>;
  claims: Map<string, AccountClaim>;
} {
  const items = new Map<string, Integration>();
  const claims = new Map<string, AccountClaim>();
  const key = (imoId: string, id: string) => `${imoId}/${id}`;
  const versionIs = (imoId: string, userId: string, expected: number | undefined) =>
    items.get(key(imoId, userId))?.version === expected;
  return {
    items,
    claims,
    get: async (imoId, userId) => items.get(key(imoId, userId)),
    getClaim: async (imoId, ig) => claims.get(key(imoId, ig)),
    applyConnect: async (plan: ConnectPlan) => {
      const { imoId, userId, igAccountId } = plan.integration;
      if (!versionIs(imoId, userId, plan.expectedVersion)) return "conflict";
      if (claims.get(key(imoId, igAccountId))?.version !== plan.claim.expectedVersion) return "conflict";
      items.set(key(imoId, userId), plan.integration);
      claims.set(key(imoId, igAccountId), { imoId, igAccountId, userId, version: plan.claim.version });
      if (plan.releaseClaimOf !== undefined) claims.delete(key(imoId, plan.releaseClaimOf));
      if (plan.displaced)
        items.set(key(imoId, plan.displaced.integration.userId), plan.displaced.integration);
      return "applied";
    },
    save: async (next, expected) => {
      if (!versionIs(next.imoId, next.userId, expected)) return "conflict";
      items.set(key(next.imoId, next.userId), next);
      return "applied";
    },
    remove: async (current) => {
      if (!versionIs(current.imoId, current.userId, current.version)) return "conflict";
      items.delete(key(current.imoId, current.userId));
      return "applied";
    },
    findByAppUser: async (id) => [...items.values()].filter((i) => i.appScopedUserId === id),
    findByAccount: async () => [],
    expiringBefore: async (threshold) => ({
      items: [...items.values()].filter((i) => i.token && (i.tokenExpiresAt ?? Infinity) < threshold),
    }),
  };
}

const PROFILE = {
  appScopedUserId: "26913384755103422",
  igAccountId: "17841462871093525",
  username: "riviera.linen.studio",
  name: "Riviera Linen Studio",
  accountType: "BUSINESS",
};

/** A scripted Instagram Login: records the calls, fails where told. */
function fakeLogin(
  fail: Partial<Record<keyof InstagramLogin, MetaCallError>> = {},
  profile = PROFILE,
  granted: readonly string[] = ["instagram_business_basic", "instagram_business_manage_messages"],
) {
  const calls: string[] = [];
  const step = <T>(name: keyof InstagramLogin, value: T) => {
    calls.push(name);
    const error = fail[name];
    if (error) throw error;
    return value;
  };
  const login: InstagramLogin = {
    exchangeCode: async () =>
      step("exchangeCode", {
        accessToken: "IGAAshort-lived-token",
        permissions: granted,
      }),
    exchangeLongLived: async () =>
      step("exchangeLongLived", { accessToken: "IGAAlong-lived-token", expiresInSeconds: 5_183_944 }),
    refresh: async () => step("refresh", { accessToken: "IGAArefreshed-token", expiresInSeconds: 5_184_000 }),
    profile: async () => step("profile", profile),
    subscribe: async () => step("subscribe", undefined),
    unsubscribe: async () => step("unsubscribe", undefined),
  };
  return { login, calls };
}

/** In-memory tickets with the adapter's semantics: redeemed once, only by their tenant. */
function memoryTickets(): ConnectTicketStore & { records: Map<string, ConnectTicketRecord> } {
  const records = new Map<string, ConnectTicketRecord>();
  return {
    records,
    put: async (hash, record) => void records.set(hash, record),
    redeem: async (hash, tenant) => {
      const record = records.get(hash);
      if (record === undefined) return { kind: "refused", why: "unknown_or_used" };
      if (record.imoId !== tenant.imoId || record.userId !== tenant.userId) {
        return { kind: "refused", why: "other_tenant" };
      }
      records.delete(hash);
      return { kind: "redeemed", record };
    },
    peek: async (hash, tenant) => {
      const record = records.get(hash);
      if (record === undefined) return { kind: "refused", why: "unknown_or_used" };
      if (record.imoId !== tenant.imoId || record.userId !== tenant.userId) {
        return { kind: "refused", why: "other_tenant" };
      }
      return { kind: "redeemed", record };
    },
  };
}

function setup(login: InstagramLogin, returnTo: string | null = "https://app.example.com/settings") {
  const states = memoryStates();
  const tickets = memoryTickets();
  const secrets: string[] = [];
  states.records.set("S", {
    state: "S",
    userId: "alice",
    imoId: "org",
    ...(returnTo === null ? {} : { returnTo }),
    createdAt: NOW - 60_000,
    expiresAt: NOW + 9 * 60_000,
  });
  const deps: CallbackDeps = {
    states,
    login,
    tickets,
    keys: KEYS,
    redirectUri: "https://api.example.com/instagram/oauth/callback",
    allowedOrigins: ["https://app.example.com"],
    now: () => NOW,
    onSecret: (value) => secrets.push(value),
  };
  return { deps, states, tickets, secrets };
}

/** The ticket on a landing URL. */
function ticketOf(outcome: CallbackOutcome): string {
  if (outcome.kind !== "ticket_issued") throw new Error(`no ticket: ${outcome.kind}`);
  return new URL(outcome.location).searchParams.get("connect_ticket") ?? "";
}

describe("handleCallback with in-memory fakes", () => {
  it("walks code → long-lived → profile and issues a ticket; connects and subscribes nothing", async () => {
    const { login, calls } = fakeLogin();
    const { deps, tickets, secrets, states } = setup(login);

    const outcome = await handleCallback({ state: "S", code: "AQcode" }, deps);

    const ticket = ticketOf(outcome);
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(outcome).toMatchObject({ kind: "ticket_issued", tenant: { imoId: "org", userId: "alice" } });
    expect(new URL(outcome.kind === "ticket_issued" ? outcome.location : "x:").origin).toBe(
      "https://app.example.com",
    );
    expect(calls).toEqual(["exchangeCode", "exchangeLongLived", "profile"]);
    expect(secrets).toEqual(["IGAAshort-lived-token", "IGAAlong-lived-token"]);
    // Stored under the ticket's hash, never the ticket; the token sealed, never in clear.
    expect([...tickets.records.keys()]).toEqual([ticketHash(ticket)]);
    const record = tickets.records.get(ticketHash(ticket));
    if (record?.loginFlavour === "facebook") throw new Error("expected an Instagram ticket");
    expect(JSON.stringify(record)).not.toContain("IGAAlong-lived-token");
    expect(
      record?.token && openToken(record.token, KEYS, { ...record, igAccountId: PROFILE.igAccountId }),
    ).toBe("IGAAlong-lived-token");
    expect(record?.expiresAt).toBe(NOW + 10 * 60_000);
    expect(states.records.size).toBe(0);
  });

  it.each([
    ["exchangeCode", "code_exchange_failed", "code_exchange"],
    ["exchangeLongLived", "long_lived_exchange_failed", "long_lived_exchange"],
    ["profile", "profile_fetch_failed", "profile"],
  ] as const)("%s failing → %s, with Meta's code and trace id, no ticket", async (method, reason, step) => {
    const error = new MetaCallError("boom", { code: 190, subcode: 463, fbtraceId: "AbCdEf" });
    const { deps, tickets } = setup(fakeLogin({ [method]: error }).login);

    const outcome = await handleCallback({ state: "S", code: "AQcode" }, deps);

    expect(outcome).toEqual({
      kind: "failed",
      reason,
      location: `https://app.example.com/settings?instagram=error&reason=${reason}`,
      cause: { step, metaCode: 190, metaSubcode: 463, fbtraceId: "AbCdEf", message: "boom" },
    });
    expect(tickets.records.size).toBe(0);
  });

  it("a personal account gets no ticket", async () => {
    const { deps, tickets } = setup(fakeLogin({}, { ...PROFILE, accountType: "PERSONAL" }).login);
    const outcome = await handleCallback({ state: "S", code: "AQcode" }, deps);
    expect(outcome).toMatchObject({ kind: "failed", reason: "account_not_professional" });
    expect(tickets.records.size).toBe(0);
  });

  it("a state stored without a returnTo (before it was required) is refused: no page could redeem a ticket", async () => {
    const { login, calls } = fakeLogin();
    const { deps } = setup(login, null);
    expect(await handleCallback({ state: "S", code: "AQcode" }, deps)).toEqual({
      kind: "state_rejected",
      reason: "state_invalid",
    });
    expect(calls).toEqual([]);
  });

  it("state checks come first: unknown, then expired; Meta is never called", async () => {
    const { login, calls } = fakeLogin();
    const { deps, states } = setup(login);
    expect(await handleCallback({ state: "nope", code: "AQ" }, deps)).toEqual({
      kind: "state_rejected",
      reason: "state_invalid",
    });
    const record = states.records.get("S");
    if (record) states.records.set("S", { ...record, expiresAt: NOW });
    expect(await handleCallback({ state: "S", code: "AQ" }, deps)).toEqual({
      kind: "state_rejected",
      reason: "state_expired",
    });
    expect(calls).toEqual([]);
  });

  it("denial maps to access_denied and other errors to authorization_failed", async () => {
    const denied = setup(fakeLogin().login);
    expect(await handleCallback({ state: "S", error: "access_denied" }, denied.deps)).toMatchObject({
      reason: "access_denied",
    });
    const other = setup(fakeLogin().login);
    expect(await handleCallback({ state: "S", error: "server_error" }, other.deps)).toMatchObject({
      reason: "authorization_failed",
    });
  });
});

describe("completeConnect (redeeming the ticket) with in-memory fakes", () => {
  async function issued(fail: Partial<Record<keyof InstagramLogin, MetaCallError>> = {}) {
    const { login, calls } = fakeLogin(fail);
    const { deps, tickets } = setup(login);
    const ticket = ticketOf(await handleCallback({ state: "S", code: "AQcode" }, deps));
    const store = memoryStore();
    const secrets: string[] = [];
    let now = NOW;
    const completeDeps: CompleteDeps = {
      tickets,
      login,
      integrations: store,
      keys: KEYS,
      now: () => now,
      onSecret: (value) => secrets.push(value),
    };
    const later = (ms: number) => {
      now += ms;
    };
    return { ticket, tickets, store, calls, secrets, completeDeps, later };
  }
  const alice = { imoId: "org", userId: "alice" };

  it("the starting tenant connects: subscribe, then store; the ticket is spent", async () => {
    const { ticket, tickets, store, calls, secrets, completeDeps } = await issued();
    const outcome = await completeConnect(ticket, alice, completeDeps);
    expect(outcome).toMatchObject({ kind: "connected", connectKind: "created", otherOrganisations: 0 });
    expect(calls).toEqual(["exchangeCode", "exchangeLongLived", "profile", "subscribe"]);
    expect(secrets).toEqual(["IGAAlong-lived-token"]);
    const stored = store.items.get("org/alice");
    expect(stored?.token && openToken(stored.token, KEYS, stored)).toBe("IGAAlong-lived-token");
    expect(stored?.tokenExpiresAt).toBe(NOW + 5_183_944_000);
    expect(tickets.records.size).toBe(0);
    expect(await completeConnect(ticket, alice, completeDeps)).toMatchObject({
      kind: "refused",
      reason: "ticket_invalid",
      why: "unknown_or_used",
    });
  });

  it.each([
    ["same organisation, other user", { imoId: "org", userId: "mallory" }],
    ["other organisation, same user id", { imoId: "other-org", userId: "alice" }],
  ])("%s: ticket_invalid, nothing written, the ticket stays for its owner", async (_name, intruder) => {
    const { ticket, tickets, store, calls, completeDeps } = await issued();
    expect(await completeConnect(ticket, intruder, completeDeps)).toEqual({
      kind: "refused",
      reason: "ticket_invalid",
      why: "other_tenant",
    });
    expect(store.items.size).toBe(0);
    expect(calls).not.toContain("subscribe");
    expect(tickets.records.size).toBe(1);
    expect(await completeConnect(ticket, alice, completeDeps)).toMatchObject({ kind: "connected" });
  });

  it("an expired ticket is refused as expired to its owner only; nothing written", async () => {
    const { ticket, store, completeDeps, later } = await issued();
    later(10 * 60_000);
    expect(await completeConnect(ticket, { imoId: "org", userId: "mallory" }, completeDeps)).toMatchObject({
      reason: "ticket_invalid",
    });
    expect(await completeConnect(ticket, alice, completeDeps)).toMatchObject({ reason: "ticket_expired" });
    expect(store.items.size).toBe(0);
  });

  it("a malformed ticket is refused before any read", async () => {
    const { completeDeps } = await issued();
    for (const bad of ["", "short", `${"a".repeat(43)}#`, "a".repeat(44)]) {
      expect(await completeConnect(bad, alice, completeDeps)).toMatchObject({ why: "malformed" });
    }
  });

  it("Meta refusing the subscription: subscribe_failed with its code, nothing stored", async () => {
    const error = new MetaCallError("boom", { code: 100, fbtraceId: "AbCdEf" });
    const { ticket, store, completeDeps } = await issued({ subscribe: error });
    expect(await completeConnect(ticket, alice, completeDeps)).toEqual({
      kind: "subscribe_failed",
      metaCode: 100,
      fbtraceId: "AbCdEf",
      message: "boom",
    });
    expect(store.items.size).toBe(0);
  });
});

describe("refreshDueTokens with in-memory fakes", () => {
  const integration = (userId: string, overrides: Partial<Integration> = {}): Integration => ({
    imoId: "org",
    userId,
    igAccountId: `1784${userId.length}`,
    appScopedUserId: "1",
    username: userId,
    accountType: "BUSINESS",
    status: "connected",
    token: sealToken(`IGAAold-${userId}`, KEYS, {
      imoId: "org",
      userId,
      igAccountId: `1784${userId.length}`,
    }),
    tokenIssuedAt: NOW - 55 * DAY,
    tokenExpiresAt: NOW + 5 * DAY,
    connectedAt: NOW - 55 * DAY,
    updatedAt: NOW - 55 * DAY,
    version: 1,
    ...overrides,
  });

  it("refreshes, marks rejections and expired tokens needs_reauth, counts a transient failure", async () => {
    const store = memoryStore();
    for (const item of [
      integration("ok"),
      integration("rejected"),
      integration("flaky"),
      integration("expired", { tokenExpiresAt: NOW - 1 }),
    ]) {
      store.items.set(`org/${item.userId}`, item);
    }
    const login: InstagramLogin = {
      ...fakeLogin().login,
      refresh: async (token) => {
        if (token === "IGAAold-rejected") throw new MetaCallError("rejected", { code: 190, subcode: 460 });
        if (token === "IGAAold-flaky") throw new MetaCallError("down", { code: 2, transient: true });
        return { accessToken: `IGAAnew-${token}`, expiresInSeconds: 5_184_000 };
      },
    };
    const failures: string[] = [];

    const report = await refreshDueTokens({
      store,
      login,
      keys: KEYS,
      now: () => NOW,
      policy: { minAgeMs: DAY, windowMs: 10 * DAY, concurrency: 2 },
      onSecret: () => undefined,
      onFailure: (i) => failures.push(i.userId),
    });

    expect(report).toMatchObject({ examined: 4, refreshed: 1, rejected: 1, expired: 1, failed: 1, pages: 1 });
    const ok = store.items.get("org/ok");
    expect(ok?.token && openToken(ok.token, KEYS, ok)).toBe("IGAAnew-IGAAold-ok");
    expect(ok?.tokenExpiresAt).toBe(NOW + 5_184_000_000);
    for (const userId of ["rejected", "expired"]) {
      expect(store.items.get(`org/${userId}`)?.status).toBe("needs_reauth");
      expect(store.items.get(`org/${userId}`)?.token).toBeUndefined();
    }
    expect(store.items.get("org/flaky")).toMatchObject({ status: "connected", version: 1 });
    expect(failures.sort()).toEqual(["flaky", "rejected"]);
  });
});

describe("an erasure job step with in-memory fakes", () => {
  it("can be resumed: an interrupted step leaves the integration revoked and findable, the next one finishes", async () => {
    const store = memoryStore();
    store.items.set("org/alice", {
      imoId: "org",
      userId: "alice",
      igAccountId: "17841462871093525",
      appScopedUserId: "26913384755103422",
      username: "riviera",
      accountType: "BUSINESS",
      status: "connected",
      token: sealToken("IGAAsecret", KEYS, {
        imoId: "org",
        userId: "alice",
        igAccountId: "17841462871093525",
      }),
      tokenIssuedAt: NOW,
      tokenExpiresAt: NOW + 60 * DAY,
      connectedAt: NOW,
      updatedAt: NOW,
      version: 1,
    });
    let failNext = true;
    const counted: ErasureCounts[] = [];
    let status: "pending" | "completed" = "pending";
    let lease: string | undefined;
    const deletions: DataDeletionStore = {
      get: async () => undefined,
      open: async () => ({ created: true, queued: false, status: "pending" }),
      markQueued: async () => undefined,
      takeLease: async (_code, id) => {
        if (status !== "pending" || (lease !== undefined && lease !== id)) return false;
        lease = id;
        return true;
      },
      releaseLease: async () => {
        lease = undefined;
      },
      addCounts: async (_code, counts) => void counted.push(counts),
      complete: async () => {
        status = "completed";
      },
    };
    const erasure: ErasureStore = {
      linksOf: async () => [],
      eraseAccountData: async () => {
        if (failNext) {
          failNext = false;
          throw new Error("timed out");
        }
        return { counts: { integrations: 0, conversations: 2, messages: 7, other: 1 }, done: true };
      },
      eraseAccountState: async () => 1,
      removeLinks: async () => 0,
    };
    const job = { code: "CODE", personIds: ["26913384755103422"] };
    const deps = { store, erasure, deletions, now: () => NOW, leaseMs: 60_000, stop: () => false };

    await expect(runErasureStep(job, { ...deps, leaseId: "a" })).rejects.toThrow();
    expect(store.items.get("org/alice")).toMatchObject({ status: "revoked" });
    expect(store.items.get("org/alice")?.token).toBeUndefined();
    expect(lease).toBeUndefined();

    expect(await runErasureStep(job, { ...deps, leaseId: "b" })).toBe("completed");
    expect(store.items.size).toBe(0);
    expect(counted.at(-1)).toEqual({ integrations: 1, conversations: 2, messages: 7, other: 2 });
    // A duplicate of the job's message finds it completed and does nothing.
    expect(await runErasureStep(job, { ...deps, leaseId: "c" })).toBe("skipped");
  });
});

describe("signed_request confirmation codes and age", () => {
  it("the same signed_request always gets the same code, another one another code", () => {
    expect(confirmationCodeFor("a.b")).toBe(confirmationCodeFor("a.b"));
    expect(confirmationCodeFor("a.b")).toMatch(/^[A-Z2-9]{16}$/);
    expect(confirmationCodeFor("a.c")).not.toBe(confirmationCodeFor("a.b"));
  });

  it("accepts an hour's age, refuses older, future beyond the skew, past expires, or no issued_at", () => {
    const now = 1_800_000_000_000;
    const at = (seconds: number) => ({
      userId: "1",
      algorithm: "HMAC-SHA256",
      issuedAt: now / 1000 + seconds,
    });
    expect(() => assertFresh(at(-3600), now)).not.toThrow();
    expect(() => assertFresh(at(-3601), now)).toThrow(/too long ago/);
    expect(() => assertFresh(at(300), now)).not.toThrow();
    expect(() => assertFresh(at(301), now)).toThrow(/too long ago/);
    expect(() => assertFresh({ ...at(-60), expires: now / 1000 - 301 }, now)).toThrow(/too long ago/);
    expect(() => assertFresh({ userId: "1", algorithm: "HMAC-SHA256" }, now)).toThrow(/issued_at/);
  });
});

describe("granted permissions", () => {
  it("a connect without instagram_business_manage_messages ends with permission_missing and stores nothing", async () => {
    const { login, calls } = fakeLogin({}, PROFILE, ["instagram_business_basic"]);
    const { deps, tickets } = setup(login);
    const outcome = await handleCallback({ state: "S", code: "AQcode" }, deps);
    expect(outcome).toMatchObject({
      kind: "failed",
      reason: "permission_missing",
      location: "https://app.example.com/settings?instagram=error&reason=permission_missing",
      cause: { step: "permissions" },
    });
    expect(calls).toEqual(["exchangeCode"]);
    expect(tickets.records.size).toBe(0);
  });
});

describe("switching accounts", () => {
  it("unsubscribes the old account at Meta with its own token when no other organisation holds it", async () => {
    const unsubscribed: { igAccountId: string; token: string }[] = [];
    const { login } = fakeLogin();
    const switching: InstagramLogin = {
      ...login,
      unsubscribe: async (igAccountId, token) => void unsubscribed.push({ igAccountId, token }),
    };
    const { deps, tickets } = setup(switching);
    const store = memoryStore();
    store.items.set("org/alice", {
      imoId: "org",
      userId: "alice",
      igAccountId: "17841400000000111",
      appScopedUserId: "26913384700000111",
      username: "old.shop",
      accountType: "BUSINESS",
      status: "connected",
      token: sealToken("IGAAold-account-token", KEYS, {
        imoId: "org",
        userId: "alice",
        igAccountId: "17841400000000111",
      }),
      tokenIssuedAt: NOW - DAY,
      tokenExpiresAt: NOW + 50 * DAY,
      connectedAt: NOW - DAY,
      updatedAt: NOW - DAY,
      version: 1,
    });
    const ticket = ticketOf(await handleCallback({ state: "S", code: "AQcode" }, deps));
    const outcome = await completeConnect(
      ticket,
      { imoId: "org", userId: "alice" },
      { tickets, login: switching, integrations: store, keys: KEYS, now: () => NOW, onSecret: () => {} },
    );
    expect(outcome).toMatchObject({ kind: "connected", connectKind: "replaced", unsubscribedOld: "done" });
    expect(unsubscribed).toEqual([{ igAccountId: "17841400000000111", token: "IGAAold-account-token" }]);
    expect(store.items.get("org/alice")?.igAccountId).toBe(PROFILE.igAccountId);
  });
});
