import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PAGE_SUBSCRIBABLE_FIELDS, startMetaSimulator } from "../../dev/meta-simulator/index";
import { FAKE } from "../support/fake-secrets";
import {
  exchange,
  FB_APP_ID,
  FB_APP_SECRET,
  FB_SCOPE,
  type FbHarness,
  fbCall,
  fbCode,
  IG_ID,
  longLivedUserToken,
  NO_PAGES,
  ONE_PAGE,
  pageTokenFrom,
  REDIRECT,
  SECOND_IG_ID,
  SEVERAL_PAGES,
  startFbHarness,
} from "./meta-simulator-facebook-harness";

/* The Facebook Login flavour's connect side: dialog, code exchange, long-lived exchange, /me/accounts,
 * Page nodes, debug_token and Page subscriptions (docs/meta-simulator.md, "Facebook Login flavour"). */

let h: FbHarness;
beforeAll(async () => {
  h = await startFbHarness();
});
afterAll(async () => {
  await h.close();
});

const PAGE_ID = ONE_PAGE.pages[0]?.id ?? "";
const dialogQuery = (overrides: Record<string, string> = {}) =>
  new URLSearchParams({
    client_id: FB_APP_ID,
    redirect_uri: REDIRECT,
    state: "st-1",
    response_type: "code",
    scope: FB_SCOPE,
    ...overrides,
  });

describe("Login dialog (www.facebook.com/<version>/dialog/oauth)", () => {
  it("renders a consent page listing the people's Pages, with Continue and Cancel", async () => {
    const res = await fetch(`${h.sim.url}/v25.0/dialog/oauth?${dialogQuery()}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('id="allow"');
    expect(page).toContain('id="cancel"');
    expect(page).toContain('value="104900000000002"');
    expect(page).toContain("Unlinked Page (Jordan Several) — no Instagram account");
  });

  it("refuses a wrong app id, an unknown scope or a non-code response_type with an error page, never a redirect", async () => {
    const bads: Record<string, string>[] = [
      { client_id: FAKE.appId },
      { scope: "instagram_business_basic" },
      { response_type: "token" },
    ];
    for (const bad of bads) {
      const res = await fetch(`${h.sim.url}/v25.0/dialog/oauth?${dialogQuery(bad)}`, { redirect: "manual" });
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
    }
  });

  it("Continue redirects with code and state; only the ticked Pages of the chosen person are granted", async () => {
    const form = dialogQuery({ fb_user: SEVERAL_PAGES.id, decision: "allow" });
    form.append("page", "104900000000001");
    form.append("page", PAGE_ID); // another person's Page: ignored
    const res = await fetch(`${h.sim.url}/v25.0/dialog/oauth`, {
      method: "POST",
      body: form,
      redirect: "manual",
    });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get("state")).toBe("st-1");
    const token = await exchange(h.sim, { code: location.searchParams.get("code") ?? "" });
    const accounts = await fbCall(h.sim, "/v25.0/me/accounts", { token: String(token.body.access_token) });
    expect((accounts.body.data as { id: string }[]).map((p) => p.id)).toEqual(["104900000000001"]);
  });

  it("Cancel redirects with the documented access_denied parameters and the state", async () => {
    const form = dialogQuery({ decision: "cancel" });
    const res = await fetch(`${h.sim.url}/v25.0/dialog/oauth`, {
      method: "POST",
      body: form,
      redirect: "manual",
    });
    const location = new URL(res.headers.get("location") ?? "");
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error_reason: "user_denied",
      error: "access_denied",
      error_description: "Permissions error.",
      state: "st-1",
    });
  });

  it("is off when no Facebook app is configured", async () => {
    const bare = await startMetaSimulator({ appId: FAKE.appId, appSecret: FAKE.igAppSecret });
    try {
      const res = await fetch(`${bare.url}/v25.0/dialog/oauth?${dialogQuery()}`);
      expect(res.status).toBe(400);
    } finally {
      await bare.stop();
    }
  });
});

describe("Code exchange and long-lived exchange (graph.facebook.com/<version>/oauth/access_token)", () => {
  it("exchanges a code once for a short-lived EAA user token", async () => {
    const code = fbCode(h.sim);
    const first = await exchange(h.sim, { code });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ token_type: "bearer", expires_in: 3600 });
    expect(String(first.body.access_token)).toMatch(/^EAA/);
    const again = await exchange(h.sim, { code });
    expect(again.error).toMatchObject({ code: 100, subcode: 36009 });
  });

  it("refuses a different redirect_uri, a wrong secret, the Instagram app's credentials and an unknown code", async () => {
    expect(
      (await exchange(h.sim, { code: fbCode(h.sim), redirect_uri: "https://evil.example/cb" })).error,
    ).toMatchObject({
      code: 100,
      subcode: 36008,
    });
    expect(
      (await exchange(h.sim, { code: fbCode(h.sim), client_secret: FAKE.igAppSecret })).error?.code,
    ).toBe(1);
    expect((await exchange(h.sim, { code: fbCode(h.sim), client_id: FAKE.appId })).error?.code).toBe(101);
    expect((await exchange(h.sim, { code: "AQDnot-a-code" })).error?.code).toBe(100);
  });

  it("a code expires after 10 minutes", async () => {
    const code = fbCode(h.sim);
    h.clock += 10 * 60_000 + 1;
    try {
      expect((await exchange(h.sim, { code })).error).toMatchObject({ code: 100, subcode: 36007 });
    } finally {
      h.clock -= 10 * 60_000 + 1;
    }
  });

  it("fb_exchange_token gives a long-lived token; an Instagram token or a Page token cannot be exchanged", async () => {
    const short = await exchange(h.sim, { code: fbCode(h.sim) });
    const long = await fbCall(h.sim, "/v25.0/oauth/access_token", {
      query: {
        grant_type: "fb_exchange_token",
        client_id: FB_APP_ID,
        client_secret: FB_APP_SECRET,
        fb_exchange_token: String(short.body.access_token),
      },
    });
    expect(long.body).toMatchObject({ token_type: "bearer", expires_in: 5_183_944 });
    const ig = await fbCall(h.sim, "/v25.0/oauth/access_token", {
      query: {
        grant_type: "fb_exchange_token",
        client_id: FB_APP_ID,
        client_secret: FB_APP_SECRET,
        fb_exchange_token: h.sim.issueToken(),
      },
    });
    expect(ig.error?.code).toBe(190);
    const page = await fbCall(h.sim, "/v25.0/oauth/access_token", {
      query: {
        grant_type: "fb_exchange_token",
        client_id: FB_APP_ID,
        client_secret: FB_APP_SECRET,
        fb_exchange_token: h.sim.facebook.issuePageToken(),
      },
    });
    expect(page.error?.code).toBe(100);
  });

  it("leaves api.instagram.com's unversioned POST /oauth/access_token as it was, and it refuses a Facebook code", async () => {
    const igLocation = await h.sim.authorize({
      clientId: FAKE.appId,
      redirectUri: "https://api.example.com/instagram/oauth/callback",
      scope: "instagram_business_basic,instagram_business_manage_messages",
    });
    const igExchange = (code: string) =>
      fetch(`${h.sim.url}/oauth/access_token`, {
        method: "POST",
        body: new URLSearchParams({
          client_id: FAKE.appId,
          client_secret: FAKE.igAppSecret,
          grant_type: "authorization_code",
          redirect_uri: "https://api.example.com/instagram/oauth/callback",
          code,
        }),
      });
    const ok = await igExchange(new URL(igLocation).searchParams.get("code") ?? "");
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^\{"access_token":"IGAA/);
    const fbCodeThere = await igExchange(fbCode(h.sim));
    expect(await fbCodeThere.json()).toMatchObject({
      error_message: "Matching code was not found or was already used",
    });
  });
});

describe("GET /me/accounts", () => {
  const fields = "id,name,access_token,instagram_business_account{id,username,name,profile_picture_url}";

  it("one Page: its Page token and the linked professional account with the requested fields", async () => {
    const token = await longLivedUserToken(h.sim);
    const res = await fbCall(h.sim, "/v25.0/me/accounts", { token, query: { fields } });
    expect(res.status).toBe(200);
    const data = res.body.data as Record<string, unknown>[];
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({
      id: PAGE_ID,
      name: "Riviera Linen Studio",
      instagram_business_account: {
        id: IG_ID,
        username: "riviera.linen.studio",
        name: "Riviera Linen Studio",
      },
    });
    expect(String(data[0]?.access_token)).toMatch(/^EAA/);
    // The person's id on /me is the app-scoped Facebook user id.
    expect((await fbCall(h.sim, "/v25.0/me", { token })).body).toMatchObject({ id: ONE_PAGE.id });
  });

  it("several Pages: a Page without a linked account has no instagram_business_account key; paging with limit/after", async () => {
    const token = await longLivedUserToken(h.sim, { userId: SEVERAL_PAGES.id });
    const first = await fbCall(h.sim, "/v25.0/me/accounts", { token, query: { fields, limit: "2" } });
    const data = first.body.data as Record<string, unknown>[];
    expect(data.map((p) => p.id)).toEqual(["104900000000001", "104900000000002"]);
    expect(data[0]?.instagram_business_account).toMatchObject({ id: SECOND_IG_ID });
    expect(data[1]).not.toHaveProperty("instagram_business_account");
    const paging = first.body.paging as { cursors: { after: string }; next?: string };
    expect(paging.next).toBeDefined();
    const second = await fbCall(h.sim, "/v25.0/me/accounts", {
      token,
      query: { fields, limit: "2", after: paging.cursors.after },
    });
    expect((second.body.data as { id: string }[]).map((p) => p.id)).toEqual(["104900000000003"]);
    expect((second.body.paging as { next?: string }).next).toBeUndefined();
  });

  it("zero Pages: an empty list", async () => {
    const token = await longLivedUserToken(h.sim, { userId: NO_PAGES.id });
    const res = await fbCall(h.sim, "/v25.0/me/accounts", { token, query: { fields } });
    expect(res.body).toEqual({ data: [] });
  });

  it("unknown fields are error 100; a Page token has no accounts edge; an Instagram token is not accepted here", async () => {
    const token = await longLivedUserToken(h.sim);
    expect(
      (await fbCall(h.sim, "/v25.0/me/accounts", { token, query: { fields: "id,secret_sauce" } })).error
        ?.code,
    ).toBe(100);
    const page = h.sim.facebook.issuePageToken();
    expect((await fbCall(h.sim, "/v25.0/me/accounts", { token: page })).error?.code).toBe(100);
    const ig = await fbCall(h.sim, "/v25.0/me/accounts", { token: h.sim.issueToken() });
    expect(ig.status).toBe(400);
    expect(ig.body).not.toHaveProperty("data");
  });

  it("a Page node answers instagram_business_account for a granted Page, and 100/33 for someone else's", async () => {
    const token = await longLivedUserToken(h.sim);
    const own = await fbCall(h.sim, `/v25.0/${PAGE_ID}`, {
      token,
      query: { fields: "instagram_business_account" },
    });
    expect(own.body).toEqual({ instagram_business_account: { id: IG_ID }, id: PAGE_ID });
    const other = await fbCall(h.sim, "/v25.0/104900000000001", { token });
    expect(other.error).toMatchObject({ code: 100, subcode: 33 });
  });
});

describe("GET /debug_token", () => {
  const appToken = `${FB_APP_ID}|${FB_APP_SECRET}`;

  it("a Page token from a long-lived user token never expires (expires_at 0) and carries data_access_expires_at", async () => {
    const user = await longLivedUserToken(h.sim);
    const page = await pageTokenFrom(h.sim, user, PAGE_ID);
    const res = await fbCall(h.sim, "/v25.0/debug_token", {
      query: { input_token: page, access_token: appToken },
    });
    const data = res.body.data as Record<string, unknown>;
    expect(data).toMatchObject({
      app_id: FB_APP_ID,
      type: "PAGE",
      is_valid: true,
      expires_at: 0,
      profile_id: PAGE_ID,
      user_id: ONE_PAGE.id,
    });
    expect(data.scopes).toEqual(FB_SCOPE.split(","));
    expect(data.data_access_expires_at).toBe(Math.floor(h.clock / 1000) + 90 * 86_400);
  });

  it("a Page token from a short-lived user token expires with it", async () => {
    const short = await exchange(h.sim, { code: fbCode(h.sim) });
    const page = await pageTokenFrom(h.sim, String(short.body.access_token), PAGE_ID);
    const res = await fbCall(h.sim, "/v25.0/debug_token", {
      query: { input_token: page, access_token: appToken },
    });
    expect((res.body.data as { expires_at: number }).expires_at).toBe(Math.floor(h.clock / 1000) + 3600);
  });

  it("needs the app token (or a user token of the app); an unknown input token is reported invalid", async () => {
    const page = h.sim.facebook.issuePageToken();
    const wrong = await fbCall(h.sim, "/v25.0/debug_token", {
      query: { input_token: page, access_token: `${FB_APP_ID}|${FAKE.igAppSecret}` },
    });
    expect(wrong.error?.code).toBe(190);
    const unknown = await fbCall(h.sim, "/v25.0/debug_token", {
      query: { input_token: "EAARnot-issued", access_token: appToken },
    });
    expect(unknown.body.data).toMatchObject({ is_valid: false, error: { code: 190 } });
  });
});

describe("Page subscription (/<PAGE_ID>/subscribed_apps)", () => {
  it("subscribes with a Page token, lists the fields, and unsubscribes", async () => {
    const token = h.sim.facebook.issuePageToken();
    const post = await fbCall(h.sim, `/v25.0/${PAGE_ID}/subscribed_apps`, {
      token,
      method: "POST",
      query: { subscribed_fields: "messages,messaging_postbacks,message_reactions" },
    });
    expect(post.body).toEqual({ success: true });
    const get = await fbCall(h.sim, `/v25.0/${PAGE_ID}/subscribed_apps`, { token });
    expect(get.body.data).toEqual([
      expect.objectContaining({
        id: FB_APP_ID,
        subscribed_fields: ["messages", "messaging_postbacks", "message_reactions"],
      }),
    ]);
    expect(h.sim.facebook.subscriptions(PAGE_ID)).toHaveLength(3);
    expect(
      (await fbCall(h.sim, `/v25.0/${PAGE_ID}/subscribed_apps`, { token, method: "DELETE" })).body,
    ).toEqual({
      success: true,
    });
    expect(h.sim.facebook.subscriptions(PAGE_ID)).toEqual([]);
  });

  it("refuses an unknown field (naming the valid ones), a missing list, a user token and another person's Page", async () => {
    const token = h.sim.facebook.issuePageToken();
    const bad = await fbCall(h.sim, `/v25.0/${PAGE_ID}/subscribed_apps`, {
      token,
      method: "POST",
      query: { subscribed_fields: "messages,mentions" },
    });
    expect(bad.error?.code).toBe(100);
    expect(bad.error?.message).toContain("subscribed_fields[1] must be one of {");
    expect(bad.error?.message).toContain(PAGE_SUBSCRIBABLE_FIELDS.join(", "));
    const missing = await fbCall(h.sim, `/v25.0/${PAGE_ID}/subscribed_apps`, { token, method: "POST" });
    expect(missing.error?.code).toBe(100);
    const user = await longLivedUserToken(h.sim);
    const withUser = await fbCall(h.sim, `/v25.0/${PAGE_ID}/subscribed_apps`, {
      token: user,
      method: "POST",
      query: { subscribed_fields: "messages" },
    });
    expect(withUser.error?.code).toBe(210);
    const other = await fbCall(h.sim, "/v25.0/104900000000001/subscribed_apps", {
      token,
      method: "POST",
      query: { subscribed_fields: "messages" },
    });
    expect(other.error).toMatchObject({ code: 100, subcode: 33 });
    expect(h.sim.facebook.subscriptions(PAGE_ID)).toEqual([]);
    expect(h.sim.facebook.subscriptions("104900000000001")).toEqual([]);
  });

  it("the Instagram flavour's subscription endpoint keeps its own field list, and a Page token cannot use it", async () => {
    const ig = h.sim.issueToken();
    const res = await fbCall(h.sim, `/v25.0/${IG_ID}/subscribed_apps`, {
      token: ig,
      method: "POST",
      query: { subscribed_fields: "messages,mentions" },
    });
    expect(res.body).toEqual({ success: true });
    expect(h.sim.subscriptions(IG_ID)).toEqual(["messages", "mentions"]);
    const withPageToken = await fbCall(h.sim, `/v25.0/${IG_ID}/subscribed_apps`, {
      token: h.sim.facebook.issuePageToken(),
      method: "POST",
      query: { subscribed_fields: "messages" },
    });
    expect(withPageToken.error).toMatchObject({ code: 100, subcode: 33 });
    expect(h.sim.subscriptions(IG_ID)).toEqual(["messages", "mentions"]);
    expect(h.sim.facebook.subscriptions(PAGE_ID)).toEqual([]);
  });
});

describe("Secrets and tokens stay out of the request log", () => {
  it("masks access_token, client_secret, code, fb_exchange_token and input_token", async () => {
    const user = await longLivedUserToken(h.sim);
    const page = await pageTokenFrom(h.sim, user, PAGE_ID);
    await fbCall(h.sim, "/v25.0/debug_token", {
      query: { input_token: page, access_token: `${FB_APP_ID}|${FB_APP_SECRET}` },
    });
    const log = JSON.stringify(h.sim.requests());
    for (const secret of [user, page, FB_APP_SECRET, "EAAR"]) expect(log).not.toContain(secret);
  });
});
