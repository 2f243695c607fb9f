import { describe, expect, it } from "vitest";
import { type IncomingConnection, planConnect } from "../../lambdas/domain/connect/connect-rules";
import {
  allowedReturnTo,
  authorizationUrl,
  parseAllowedOrigins,
} from "../../lambdas/domain/connect/oauth-start";
import { DEFAULT_REFRESH_POLICY, refreshDecision } from "../../lambdas/domain/connect/refresh";
import type { Integration } from "../../lambdas/domain/integration";

const NOW = Date.UTC(2026, 10, 25, 10, 0, 0);
const DAY = 86_400_000;
const SEALED = { keyId: "k", iv: "iv", ciphertext: "c", tag: "t" };

function incoming(igAccountId: string): IncomingConnection {
  return {
    igAccountId,
    appScopedUserId: `9${igAccountId}`,
    username: `user${igAccountId}`,
    accountType: "BUSINESS",
    token: SEALED,
    tokenIssuedAt: NOW,
    tokenExpiresAt: NOW + 60 * DAY,
  };
}

function existing(userId: string, igAccountId: string, overrides: Partial<Integration> = {}): Integration {
  return {
    imoId: "org",
    userId,
    igAccountId,
    appScopedUserId: `9${igAccountId}`,
    username: `user${igAccountId}`,
    accountType: "BUSINESS",
    status: "connected",
    token: SEALED,
    tokenIssuedAt: NOW - 10 * DAY,
    tokenExpiresAt: NOW + 50 * DAY,
    connectedAt: NOW - 10 * DAY,
    updatedAt: NOW - 10 * DAY,
    version: 3,
    ...overrides,
  };
}

const alice = { imoId: "org", userId: "alice" };

describe("connect rules (both uniqueness rules, every order)", () => {
  it("first connect: creates the integration and the claim, both must not exist", () => {
    const { plan, kind } = planConnect(alice, incoming("111"), {}, NOW);
    expect(kind).toBe("created");
    expect(plan.expectedVersion).toBeUndefined();
    expect(plan.claim).toEqual({ version: 1, expectedVersion: undefined });
    expect(plan.integration).toMatchObject({
      status: "connected",
      version: 1,
      connectedAt: NOW,
      igAccountId: "111",
    });
    expect(plan.releaseClaimOf).toBeUndefined();
    expect(plan.displaced).toBeUndefined();
  });

  it("same user, same account: refreshes in place, keeps connectedAt, conditioned on both versions", () => {
    const current = existing("alice", "111");
    const claim = { imoId: "org", igAccountId: "111", userId: "alice", version: 2 };
    const { plan, kind } = planConnect(alice, incoming("111"), { current, claim }, NOW);
    expect(kind).toBe("refreshed");
    expect(plan.expectedVersion).toBe(3);
    expect(plan.integration.version).toBe(4);
    expect(plan.integration.connectedAt).toBe(current.connectedAt);
    expect(plan.claim).toEqual({ version: 3, expectedVersion: 2 });
    expect(plan.releaseClaimOf).toBeUndefined();
  });

  it("reconnecting the same account from needs_reauth keeps connectedAt (docs/connect-flow.md); after revoked it starts anew", () => {
    const reauth = { ...existing("alice", "111"), status: "needs_reauth" as const };
    const claim = { imoId: "org", igAccountId: "111", userId: "alice", version: 2 };
    expect(
      planConnect(alice, incoming("111"), { current: reauth, claim }, NOW).plan.integration.connectedAt,
    ).toBe(reauth.connectedAt);
    const revoked = { ...existing("alice", "111"), status: "revoked" as const };
    expect(planConnect(alice, incoming("111"), { current: revoked }, NOW).plan.integration.connectedAt).toBe(
      NOW,
    );
  });

  it("same user, new account: replaces the integration and releases the old account's claim", () => {
    const current = existing("alice", "111");
    const { plan, kind } = planConnect(alice, incoming("222"), { current }, NOW);
    expect(kind).toBe("replaced");
    expect(plan.expectedVersion).toBe(3);
    expect(plan.integration).toMatchObject({ igAccountId: "222", connectedAt: NOW });
    expect(plan.releaseClaimOf).toBe("111");
    expect(plan.claim.expectedVersion).toBeUndefined();
  });

  it("another user of the organisation holds the account: takes it over and revokes theirs (token erased)", () => {
    const bobs = existing("bob", "111");
    const claim = { imoId: "org", igAccountId: "111", userId: "bob", version: 5 };
    const { plan, kind } = planConnect(alice, incoming("111"), { claim, claimHolder: bobs }, NOW);
    expect(kind).toBe("taken_over");
    expect(plan.claim).toEqual({ version: 6, expectedVersion: 5 });
    expect(plan.displaced?.expectedVersion).toBe(3);
    expect(plan.displaced?.integration).toMatchObject({ userId: "bob", status: "revoked", version: 4 });
    expect(plan.displaced?.integration.token).toBeUndefined();
    expect(plan.displaced?.integration.tokenExpiresAt).toBeUndefined();
  });

  it("a revoked integration no longer holds its claim, so switching from it releases nothing", () => {
    const current = existing("alice", "111", { status: "revoked", token: undefined });
    const { plan, kind } = planConnect(alice, incoming("222"), { current }, NOW);
    expect(kind).toBe("created");
    expect(plan.releaseClaimOf).toBeUndefined();
    expect(plan.expectedVersion).toBe(3);
  });
});

describe("returnTo allow-list", () => {
  const origins = parseAllowedOrigins("https://app.example.com, http://localhost:5173");

  it("accepts URLs on an allowed origin", () => {
    expect(allowedReturnTo("https://app.example.com/settings?tab=ig", origins)).toBe(
      "https://app.example.com/settings?tab=ig",
    );
    expect(allowedReturnTo("http://localhost:5173/x", origins)).toBe("http://localhost:5173/x");
  });

  it.each([
    "https://app.example.com.evil.test/",
    "https://app.example.com@evil.test/",
    "https://user:pw@app.example.com/",
    "http://app.example.com/",
    "https://app.example.com:8443/",
    "javascript:alert(1)",
    "//evil.test/",
    "/relative",
  ])("refuses %s", (candidate) => {
    expect(allowedReturnTo(candidate, origins)).toBeUndefined();
  });

  it("refuses a misconfigured allow-list entry at load", () => {
    expect(() => parseAllowedOrigins("https://app.example.com/path")).toThrow();
  });
});

describe("authorization URL", () => {
  it("carries client id, redirect URI, scopes, response_type=code and the state", () => {
    const url = new URL(
      authorizationUrl(
        {
          oauthUrl: "https://www.instagram.com",
          appId: "990602627938098",
          redirectUri: "https://api.example.com/instagram/oauth/callback",
          scopes: ["instagram_business_basic", "instagram_business_manage_messages"],
          allowedOrigins: [],
        },
        "STATE",
      ),
    );
    expect(url.origin + url.pathname).toBe("https://www.instagram.com/oauth/authorize");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: "990602627938098",
      redirect_uri: "https://api.example.com/instagram/oauth/callback",
      response_type: "code",
      scope: "instagram_business_basic,instagram_business_manage_messages",
      state: "STATE",
    });
  });
});

describe("refresh policy", () => {
  const policy = DEFAULT_REFRESH_POLICY;
  it("refreshes tokens at least 24 h old within the window", () => {
    expect(refreshDecision(existing("a", "1", { tokenExpiresAt: NOW + 5 * DAY }), NOW, policy)).toBe(
      "refresh",
    );
  });
  it("leaves tokens far from expiry, too young, expired or not connected", () => {
    expect(refreshDecision(existing("a", "1", { tokenExpiresAt: NOW + 20 * DAY }), NOW, policy)).toBe(
      "not_due",
    );
    expect(
      refreshDecision(
        existing("a", "1", { tokenExpiresAt: NOW + 5 * DAY, tokenIssuedAt: NOW - 3_600_000 }),
        NOW,
        policy,
      ),
    ).toBe("too_young");
    expect(refreshDecision(existing("a", "1", { tokenExpiresAt: NOW - 1 }), NOW, policy)).toBe("expired");
    expect(refreshDecision(existing("a", "1", { status: "needs_reauth" }), NOW, policy)).toBe(
      "not_connected",
    );
  });
});
