import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signMetaBody } from "../../dev/meta-simulator/index";
import { FAKE } from "../support/fake-secrets";
import {
  FB_APP_ID,
  FB_APP_SECRET,
  type FbHarness,
  fbCall,
  IG_ID,
  IGSID,
  longLivedUserToken,
  ONE_PAGE,
  pageTokenFrom,
  SEVERAL_PAGES,
  startFbHarness,
} from "./meta-simulator-facebook-harness";

/* The Facebook Login flavour's messaging side: the Send API with a Page token, webhooks signed with the
 * Facebook app secret, Page-token invalidation (190 + subcode), deauthorize and data deletion. */

let h: FbHarness;
beforeAll(async () => {
  h = await startFbHarness({ deliverEchoes: true });
});
afterAll(async () => {
  await h.close();
});
afterEach(async () => {
  h.sim.clearFaults();
  await h.sim.idle();
});

const PAGE_ID = ONE_PAGE.pages[0]?.id ?? "";
const text = (token: string, path: string, body = "Yes, size M is in stock.") =>
  fbCall(h.sim, path, {
    token,
    json: { recipient: { id: IGSID }, messaging_type: "RESPONSE", message: { text: body } },
  });
const subscribe = (token: string, pageId = PAGE_ID) =>
  fbCall(h.sim, `/v25.0/${pageId}/subscribed_apps`, {
    token,
    method: "POST",
    query: { subscribed_fields: "messages" },
  });
const signatureOf = (i: number) => h.received[i]?.headers["x-hub-signature-256"];

describe("Send API on graph.facebook.com with a Page token", () => {
  it("sends as the Page's linked account, on /<PAGE_ID>/messages and /me/messages, with the usage headers", async () => {
    const token = h.sim.facebook.issuePageToken();
    await h.sim.sendCustomerMessage({ igAccountId: IG_ID, igsid: IGSID, text: "Is size M in stock?" });
    const byPage = await text(token, `/v25.0/${PAGE_ID}/messages`);
    expect(byPage.status).toBe(200);
    expect(byPage.body).toMatchObject({ recipient_id: IGSID });
    const byMe = await text(token, "/v25.0/me/messages", "And in blue.");
    expect(byMe.status).toBe(200);
    const sent = h.sim.sentMessages(IG_ID).slice(-2);
    expect(sent.map((m) => m.text)).toEqual(["Yes, size M is in stock.", "And in blue."]);
    expect(sent[0]?.messageId).toBe(byPage.body.message_id);
    expect(byPage.headers.get("x-business-use-case-usage")).toContain(IG_ID);
    expect(byPage.headers.get("x-app-usage")).not.toBeNull();
  });

  it("keeps the Instagram send rules: window closed outside 24 h, faults, text limit", async () => {
    const token = h.sim.facebook.issuePageToken();
    const stranger = await fbCall(h.sim, `/v25.0/${PAGE_ID}/messages`, {
      token,
      json: { recipient: { id: "3400000000000999" }, message: { text: "hi" } },
    });
    expect(stranger.error).toMatchObject({ code: 10, subcode: 2534022 });
    h.sim.openWindow({ igAccountId: IG_ID, igsid: IGSID });
    h.sim.injectFault({ kind: "rate_limit", igAccountId: IG_ID });
    expect((await text(token, `/v25.0/${PAGE_ID}/messages`)).error).toMatchObject({
      code: 613,
      subcode: 2534040,
    });
    expect((await text(token, `/v25.0/${PAGE_ID}/messages`, "é".repeat(501))).error?.code).toBe(100);
  });

  it("refuses a user token (210), another person's Page (100/33), an Instagram token on a Page id, and a Page with no linked account", async () => {
    h.sim.openWindow({ igAccountId: IG_ID, igsid: IGSID });
    const before = h.sim.sentMessages().length;
    const user = await longLivedUserToken(h.sim);
    expect((await text(user, `/v25.0/${PAGE_ID}/messages`)).error?.code).toBe(210);
    const page = h.sim.facebook.issuePageToken();
    expect((await text(page, "/v25.0/104900000000003/messages")).error).toMatchObject({
      code: 100,
      subcode: 33,
    });
    expect((await text(h.sim.issueToken(), `/v25.0/${PAGE_ID}/messages`)).error).toMatchObject({
      code: 100,
      subcode: 33,
    });
    const unlinked = h.sim.facebook.issuePageToken({ userId: SEVERAL_PAGES.id, pageId: "104900000000002" });
    expect((await text(unlinked, "/v25.0/me/messages")).error?.code).toBe(100);
    expect(h.sim.sentMessages()).toHaveLength(before);
  });

  it("rich messages go through the same send function with a Page token (quick replies; 14 of them refused)", async () => {
    const token = h.sim.facebook.issuePageToken();
    h.sim.openWindow({ igAccountId: IG_ID, igsid: IGSID });
    const qr = (title: string) => ({ content_type: "text", title, payload: title.toUpperCase() });
    const ok = await fbCall(h.sim, `/v25.0/${PAGE_ID}/messages`, {
      token,
      json: {
        recipient: { id: IGSID },
        message: { text: "Size?", quick_replies: [qr("Small"), qr("Large")] },
      },
    });
    expect(ok.status).toBe(200);
    const tooMany = await fbCall(h.sim, `/v25.0/${PAGE_ID}/messages`, {
      token,
      json: {
        recipient: { id: IGSID },
        message: { text: "Size?", quick_replies: Array.from({ length: 14 }, () => qr("A")) },
      },
    });
    expect(tooMany.error?.code).toBe(100);
  });

  it("a Page token is refused on graph.instagram.com's Instagram-only routes", async () => {
    const token = h.sim.facebook.issuePageToken();
    const res = await fbCall(h.sim, `/v25.0/${IG_ID}/conversations`, {
      token,
      query: { platform: "instagram" },
    });
    expect(res.status).toBe(400);
    expect(res.body).not.toHaveProperty("data");
  });
});

describe("Webhooks for a Page subscribed through the Facebook app", () => {
  it("customer messages and echoes are signed with the Facebook app secret once the Page is subscribed, and not before", async () => {
    const token = h.sim.facebook.issuePageToken();
    let i = h.received.length;
    await h.sim.sendCustomerMessage({ igAccountId: IG_ID, igsid: IGSID, text: "before" });
    expect(signatureOf(i)).toBe(signMetaBody(h.received[i]?.raw ?? "", FAKE.igAppSecret));

    expect((await subscribe(token)).body).toEqual({ success: true });
    i = h.received.length;
    await h.sim.sendCustomerMessage({ igAccountId: IG_ID, igsid: IGSID, text: "after" });
    const body = JSON.parse(h.received[i]?.raw.toString("utf8") ?? "{}") as {
      object: string;
      entry: { id: string }[];
    };
    expect(body.object).toBe("instagram");
    expect(body.entry[0]?.id).toBe(IG_ID);
    expect(signatureOf(i)).toBe(signMetaBody(h.received[i]?.raw ?? "", FB_APP_SECRET));
    expect(signatureOf(i)).not.toBe(signMetaBody(h.received[i]?.raw ?? "", FAKE.igAppSecret));

    i = h.received.length;
    await text(token, `/v25.0/${PAGE_ID}/messages`, "echo me");
    await h.sim.idle();
    const echo = h.received[i];
    expect(echo?.raw.toString("utf8")).toContain('"is_echo":true');
    expect(signatureOf(i)).toBe(signMetaBody(echo?.raw ?? "", FB_APP_SECRET));

    await fbCall(h.sim, `/v25.0/${PAGE_ID}/subscribed_apps`, { token, method: "DELETE" });
    i = h.received.length;
    await h.sim.sendCustomerMessage({ igAccountId: IG_ID, igsid: IGSID, text: "unsubscribed" });
    expect(signatureOf(i)).toBe(signMetaBody(h.received[i]?.raw ?? "", FAKE.igAppSecret));
  });
});

describe("Page token invalidation", () => {
  const appToken = `${FB_APP_ID}|${FB_APP_SECRET}`;
  const debug = async (input: string) =>
    (await fbCall(h.sim, "/v25.0/debug_token", { query: { input_token: input, access_token: appToken } }))
      .body.data as Record<string, unknown>;

  it.each([
    ["password_change", 460],
    ["app_removal", 458],
    ["role_removal", 492],
  ] as const)(
    "%s: every call with the Page token answers 190/%i and debug_token reports it invalid",
    async (reason, subcode) => {
      const userToken = await longLivedUserToken(h.sim, { userId: SEVERAL_PAGES.id });
      const pageId = "104900000000001";
      const page = await pageTokenFrom(h.sim, userToken, pageId);
      const otherPage = await pageTokenFrom(h.sim, userToken, "104900000000003");
      h.sim.openWindow({ igAccountId: "17841400000000002", igsid: IGSID });
      expect((await text(page, "/v25.0/me/messages")).status).toBe(200);
      const res = await fetch(`${h.sim.url}/_sim/facebook/invalidate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reason, userId: SEVERAL_PAGES.id, pageId }),
      });
      expect(res.status).toBe(200);
      const before = h.sim.sentMessages().length;
      expect((await text(page, "/v25.0/me/messages")).error).toMatchObject({ code: 190, subcode });
      expect((await subscribe(page, pageId)).error).toMatchObject({ code: 190, subcode });
      expect(h.sim.sentMessages()).toHaveLength(before);
      expect(await debug(page)).toMatchObject({ is_valid: false, error: { code: 190, subcode } });
      if (reason === "role_removal") {
        // Only that Page is gone: the person's other Page and their user token still work.
        expect(await debug(otherPage)).toMatchObject({ is_valid: true });
        const list = await fbCall(h.sim, "/v25.0/me/accounts", { token: userToken });
        expect((list.body.data as { id: string }[]).map((p) => p.id)).not.toContain(pageId);
      } else {
        expect(await debug(otherPage)).toMatchObject({ is_valid: false });
        expect((await fbCall(h.sim, "/v25.0/me/accounts", { token: userToken })).error).toMatchObject({
          code: 190,
          subcode,
        });
      }
    },
  );

  it("a malformed admin request is refused and invalidates nothing", async () => {
    const page = h.sim.facebook.issuePageToken();
    for (const body of [
      "{",
      JSON.stringify({ reason: "forgot_password" }),
      JSON.stringify({ reason: "password_change", userId: "nobody" }),
    ]) {
      const res = await fetch(`${h.sim.url}/_sim/facebook/invalidate`, { method: "POST", body });
      expect(res.status).toBe(400);
      expect(await res.text()).not.toContain("EAA");
    }
    expect(await debug(page)).toMatchObject({ is_valid: true });
  });
});

describe("Deauthorize and data deletion for the Facebook app", () => {
  const decode = (i: number) => {
    const value = new URLSearchParams(h.received[i]?.raw.toString("utf8")).get("signed_request") ?? "";
    const [signature, payload] = value.split(".");
    return {
      signature,
      payload: payload ?? "",
      json: JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<string, unknown>,
    };
  };

  it("deauthorize signs with the Facebook app secret, carries the app-scoped Facebook user id, and ends tokens and subscriptions", async () => {
    const page = h.sim.facebook.issuePageToken();
    await subscribe(page);
    const i = h.received.length;
    const res = await h.sim.facebook.deauthorize({ url: `${h.baseUrl}/facebook/deauthorize` });
    expect(res.status).toBe(200);
    const { signature, payload, json } = decode(i);
    expect(signature).toBe(createHmac("sha256", FB_APP_SECRET).update(payload).digest("base64url"));
    expect(signature).not.toBe(createHmac("sha256", FAKE.igAppSecret).update(payload).digest("base64url"));
    expect(json).toMatchObject({
      algorithm: "HMAC-SHA256",
      user_id: ONE_PAGE.id,
      issued_at: Math.floor(h.clock / 1000),
    });
    expect((await text(page, "/v25.0/me/messages")).error).toMatchObject({ code: 190, subcode: 458 });
    expect(h.sim.facebook.subscriptions(PAGE_ID)).toEqual([]);
    // The Instagram-flavour token of the same Instagram account is untouched: another app, another grant.
    expect((await fbCall(h.sim, "/v25.0/me", { token: h.sim.issueToken() })).status).toBe(200);
  });

  it("data deletion posts a signed_request with expires, signed with the Facebook app secret", async () => {
    const i = h.received.length;
    await h.sim.facebook.requestDataDeletion({
      url: `${h.baseUrl}/facebook/data-deletion`,
      userId: SEVERAL_PAGES.id,
    });
    const { signature, payload, json } = decode(i);
    expect(signature).toBe(createHmac("sha256", FB_APP_SECRET).update(payload).digest("base64url"));
    expect(json.user_id).toBe(SEVERAL_PAGES.id);
    expect(Number(json.expires) - Number(json.issued_at)).toBe(3600);
  });
});
