import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { dynamoOAuthStateStore } from "../../lambdas/adapters/dynamo/oauth-states";
import {
  ACCOUNTS,
  APP_ORIGIN,
  type ConnectHarness,
  expectConnected,
  landing,
  PUBLIC_BASE_URL,
  RETURN_TO,
  startConnectHarness,
} from "../support/connect-harness";
import { FAKE } from "../support/fake-secrets";
import { httpEvent, lambdaContext } from "../support/http-event";

let h: ConnectHarness;
let n = 0;
/** A tenant of its own for each test, so tests never see each other's integrations. */
const tenant = () => ({ userId: `user-${++n}`, imoId: `org-oauth-${n}` });

beforeAll(async () => {
  h = await startConnectHarness();
});
afterAll(async () => {
  await h.stop();
});
afterEach(() => {
  h.sim.clearFaults();
  h.sim.setTokenResponseShape("observed");
});

describe("POST /instagram/oauth/init", () => {
  it("returns the authorize URL with client id, redirect URI, scopes, response_type and a 256-bit state", async () => {
    const who = tenant();
    const response = await h.init(who);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body ?? "{}");
    const url = new URL(body.authorizationUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${h.sim.url}/oauth/authorize`);
    expect(url.searchParams.get("client_id")).toBe(FAKE.appId);
    expect(url.searchParams.get("redirect_uri")).toBe(`${PUBLIC_BASE_URL}/instagram/oauth/callback`);
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(url.searchParams.get("scope")).toBe("instagram_business_basic,instagram_business_manage_messages");
    const state = url.searchParams.get("state") ?? "";
    expect(Buffer.from(state, "base64url").length).toBeGreaterThanOrEqual(16);
    const expiresIn = Date.parse(body.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(9 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(10 * 60_000);
    // Stored bound to the caller from the JWT, with a TTL attribute in epoch seconds.
    const item = await h.rawItem(Keys.oauthState(state));
    expect(item).toMatchObject({ userId: who.userId, imoId: who.imoId, returnTo: RETURN_TO });
    expect(item?.expiresAt).toBe(Math.ceil(Date.parse(body.expiresAt) / 1000));
  });

  it("requires a returnTo (the page there completes the connect): none is a 400 and stores nothing", async () => {
    const response = await h.init(tenant(), {});
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? "{}").code).toBe("request.invalid");
  });

  it("refuses a returnTo outside the allow-list with 400 and stores nothing", async () => {
    const response = await h.init(tenant(), { returnTo: "https://app.example.com.evil.test/x" });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? "{}").code).toBe("oauth.return_to_not_allowed");
  });

  it("ignores identity in the body: the tenant comes from JWT claims only, and none means 401", async () => {
    const body = await h.init(tenant(), { returnTo: RETURN_TO, userId: "intruder" });
    expect(body.statusCode).toBe(400); // strict body: unknown fields are refused, not used
    const response = await h.handlers.init(
      httpEvent({
        method: "POST",
        route: "/instagram/oauth/init",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(401);
  });
});

describe("GET /instagram/oauth/callback, then POST /instagram/oauth/complete", () => {
  it("happy path: the callback lands on returnTo with a ticket only; completing connects, GET shows the username", async () => {
    const who = tenant();
    const url = landing(await h.callback(await h.authorize(who)));
    expect(url.origin).toBe(APP_ORIGIN);
    expect(url.pathname).toBe("/settings/instagram");
    const ticket = url.searchParams.get("connect_ticket") ?? "";
    expect(Buffer.from(ticket, "base64url")).toHaveLength(32);
    expect([...url.searchParams.keys()]).toEqual(["connect_ticket"]); // never the Meta code
    // The callback connected nothing and subscribed nothing.
    expect(await h.storedIntegration(who)).toBeUndefined();
    expect(h.sim.subscriptions(ACCOUNTS.riviera.igId)).toEqual([]);

    const completed = expectConnected(await h.complete(who, ticket));
    expect(completed).toMatchObject({
      username: ACCOUNTS.riviera.username,
      sharedWithOtherOrganisations: false,
    });

    const { response: got, body } = await h.getIntegration(who);
    expect(got.statusCode).toBe(200);
    expect(body).toMatchObject({
      status: "connected",
      username: ACCOUNTS.riviera.username,
      name: ACCOUNTS.riviera.name,
      accountType: "BUSINESS",
      igAccountId: ACCOUNTS.riviera.igId,
    });
    const lifetime = Date.parse(String(body.tokenExpiresAt)) - Date.parse(String(body.connectedAt));
    expect(lifetime).toBeGreaterThan(59 * 86_400_000);
    expect(JSON.stringify(body)).not.toMatch(/IGAA|token"/);

    // Stored with both Meta ids as strings (digits intact) and the token sealed.
    const stored = await h.storedIntegration(who);
    expect(stored?.appScopedUserId).toBe(ACCOUNTS.riviera.appScopedId);
    expect(stored?.igAccountId).toBe(ACCOUNTS.riviera.igId);
    expect(h.tokenOf(stored)).toMatch(/^IGAA/);
    const raw = await h.rawItem({ pk: `ORG#${who.imoId}`, sk: `USER#${who.userId}` });
    expect(JSON.stringify(raw)).not.toMatch(/IGAA/);
    expect(h.sim.subscriptions(ACCOUNTS.riviera.igId)).toEqual(
      expect.arrayContaining([
        "messages",
        "message_reactions",
        "messaging_postbacks",
        "messaging_seen",
        "message_edit",
      ]),
    );
  });

  it("asks /me only for fields valid with Instagram Login (the guide's bug #1)", async () => {
    const before = h.sim.requests().length;
    expectConnected(await h.connect(tenant()));
    const profileCalls = h.sim
      .requests()
      .slice(before)
      .filter((request) => request.path.endsWith("/me"));
    // The profile proper, then the avatar in a call of its own (a refusal of it never fails the profile).
    expect(profileCalls).toHaveLength(2);
    expect(profileCalls[0]?.method).toBe("GET");
    expect(profileCalls[0]?.query.fields).toBe("id,user_id,username,name,account_type");
    expect(profileCalls[0]?.status).toBe(200);
    expect(profileCalls[0]?.hasBearer).toBe(true);
    expect(profileCalls[1]?.query.fields).toBe("profile_picture_url");
    expect(profileCalls[1]?.hasBearer).toBe(true);
  });

  it("accepts the documented token response shape ({data:[…]}, string user_id) as well", async () => {
    h.sim.setTokenResponseShape("documented");
    const who = tenant();
    expectConnected(await h.connect(who));
    expect((await h.storedIntegration(who))?.appScopedUserId).toBe(ACCOUNTS.riviera.appScopedId);
  });

  it("the code exchange keeps a numeric user_id beyond 2^53 exact, in either response shape", async () => {
    const { instagramLogin } = await import("../../lambdas/adapters/meta/instagram-login");
    const login = instagramLogin(
      { oauthUrl: h.sim.url, apiUrl: h.sim.url, graphUrl: h.sim.url, graphVersion: "v25.0" },
      { appId: FAKE.appId, appSecret: FAKE.igAppSecret },
    );
    const redirectUri = `${PUBLIC_BASE_URL}/instagram/oauth/callback`;
    const scopes = ["instagram_business_basic", "instagram_business_manage_messages"];

    const observed = await login.exchangeCode((await h.authorize(tenant())).code ?? "", redirectUri);
    expect(observed.appScopedUserId).toBe("26913384755103422"); // JSON.parse would give …424
    expect(observed.permissions).toEqual(scopes);

    h.sim.setTokenResponseShape("documented");
    const documented = await login.exchangeCode((await h.authorize(tenant())).code ?? "", redirectUri);
    expect(documented.appScopedUserId).toBe("26913384755103422");
    expect(documented.permissions).toEqual(scopes);
  });

  it("connects a creator account (MEDIA_CREATOR is professional)", async () => {
    const who = tenant();
    expectConnected(await h.connect(who, ACCOUNTS.creator.username));
    expect((await h.getIntegration(who)).body.accountType).toBe("MEDIA_CREATOR");
  });

  it("user denied: lands on returnTo with reason access_denied, nothing stored", async () => {
    const who = tenant();
    const query = await h.authorize(who, { deny: true });
    expect(query.error).toBe("access_denied");
    const url = landing(await h.callback(query));
    expect(url.searchParams.get("instagram")).toBe("error");
    expect(url.searchParams.get("reason")).toBe("access_denied");
    expect((await h.getIntegration(who)).body).toEqual({ status: "none" });
  });

  it("the person unticked the messaging permission: reason permission_missing, no ticket, nothing stored", async () => {
    const who = tenant();
    const before = h.sim.requests().length;
    const query = await h.authorize(who, { declined: ["instagram_business_manage_messages"] });
    expect(query.code).toBeDefined();
    const response = await h.callback(query);
    const url = landing(response);
    expect(url.searchParams.get("instagram")).toBe("error");
    expect(url.searchParams.get("reason")).toBe("permission_missing");
    expect(url.searchParams.get("connect_ticket")).toBeNull();
    expect(await h.storedIntegration(who)).toBeUndefined();
    expect((await h.getIntegration(who)).body).toEqual({ status: "none" });
    // Meta was asked only for the token (which says what was granted): no profile read, no subscription.
    const calls = h.sim.requests().slice(before);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((r) => r.path.includes("subscribed_apps"))).toHaveLength(0);
  });

  it("non-professional account: reason account_not_professional, nothing stored", async () => {
    const who = tenant();
    const url = landing(await h.connect(who, ACCOUNTS.personal.username));
    expect(url.searchParams.get("reason")).toBe("account_not_professional");
    expect(await h.storedIntegration(who)).toBeUndefined();
  });

  describe("state", () => {
    const expectPage = (response: Awaited<ReturnType<ConnectHarness["callback"]>>) => {
      expect(response.statusCode).toBe(400);
      expect(response.headers?.location).toBeUndefined();
      expect(String(response.headers?.["content-type"])).toMatch(/^text\/html/);
    };

    it("unknown state: a 400 page, never a redirect", async () => {
      expectPage(await h.callback({ code: "AQxyz", state: "not-a-state" }));
    });

    it("missing state: a 400 page", async () => {
      expectPage(await h.callback({ code: "AQxyz" }));
    });

    it("reused state: the second callback gets a 400 page and changes nothing", async () => {
      const who = tenant();
      const query = await h.authorize(who);
      landing(await h.callback(query));
      const before = await h.storedIntegration(who);
      expectPage(await h.callback(query));
      expect(await h.storedIntegration(who)).toEqual(before);
    });

    it("expired state: a 400 page even before DynamoDB's TTL removes it", async () => {
      const states = dynamoOAuthStateStore(h.db, h.tableName);
      await states.put({
        state: "expired-state-0123456789abcdef",
        userId: "u",
        imoId: "o",
        returnTo: RETURN_TO,
        createdAt: Date.now() - 11 * 60_000,
        expiresAt: Date.now() - 60_000,
      });
      const response = await h.callback({ code: "AQxyz", state: "expired-state-0123456789abcdef" });
      expectPage(response);
      expect(response.body).toMatch(/expired/);
    });

    it("a returnTo whose origin left the allow-list since init is not redirected to", async () => {
      const states = dynamoOAuthStateStore(h.db, h.tableName);
      await states.put({
        state: "stale-origin-state-0123456789",
        userId: "u",
        imoId: "o",
        returnTo: "https://old-app.example.com/x",
        createdAt: Date.now(),
        expiresAt: Date.now() + 60_000,
      });
      expectPage(await h.callback({ code: "AQxyz", state: "stale-origin-state-0123456789" }));
    });
  });

  describe("Meta failures land on the app with a stable reason and store nothing", () => {
    it.each([
      ["code_exchange", "code_exchange_failed"],
      ["long_lived_exchange", "long_lived_exchange_failed"],
      ["profile", "profile_fetch_failed"],
    ] as const)("%s error → %s", async (target, reason) => {
      const who = tenant();
      const query = await h.authorize(who);
      h.sim.injectFault({ kind: "server_error", target });
      const url = landing(await h.callback(query));
      expect(url.searchParams.get("instagram")).toBe("error");
      expect(url.searchParams.get("reason")).toBe(reason);
      expect(await h.storedIntegration(who)).toBeUndefined();
    });

    it("a code Meta does not accept (api.instagram.com's own error shape) → code_exchange_failed", async () => {
      const who = tenant();
      const query = await h.authorize(who);
      const url = landing(await h.callback({ ...query, code: "AQnot-a-real-code" }));
      expect(url.searchParams.get("reason")).toBe("code_exchange_failed");
    });

    it("the subscription failing at completion → 502 oauth.subscribe_failed, nothing stored", async () => {
      const who = tenant();
      const ticket =
        landing(await h.callback(await h.authorize(who))).searchParams.get("connect_ticket") ?? "";
      h.sim.injectFault({ kind: "server_error", target: "subscribe" });
      const response = await h.complete(who, ticket);
      expect(response.statusCode).toBe(502);
      expect(JSON.parse(response.body ?? "{}").code).toBe("oauth.subscribe_failed");
      expect(await h.storedIntegration(who)).toBeUndefined();
    });

    it("a rejected token at profile time (code 190) → profile_fetch_failed", async () => {
      const who = tenant();
      const query = await h.authorize(who);
      h.sim.injectFault({ kind: "token_expired", target: "profile" });
      expect(landing(await h.callback(query)).searchParams.get("reason")).toBe("profile_fetch_failed");
    });
  });
});
