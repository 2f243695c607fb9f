import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  DEFAULT_CUSTOMER_IGSID,
  type FaultKind,
  type MetaSimulator,
  SUBSCRIBABLE_FIELDS,
  signMetaBody,
  startMetaSimulator,
} from "../../dev/meta-simulator/index";
import { freePort } from "../../dev/services/free-port";
import {
  MetaApiError,
  MetaNetworkError,
  MetaTimeoutError,
  metaFetch,
  parseMetaError,
  parseMetaJson,
} from "../../lambdas/adapters/meta/graph-http";
import { classifyMetaError, parseBusinessUseCaseUsage } from "../../lambdas/domain/meta-errors";
import { FAKE } from "../support/fake-secrets";

const IG_ID = "17841462871093525";
const APP_SCOPED_ID = "26913384755103422";
const REDIRECT = "https://api.example.com/instagram/oauth/callback";
const SCOPE = "instagram_business_basic,instagram_business_manage_messages";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
}

/** A webhook receiver that keeps the raw bytes, as a verifier must. */
async function startReceiver(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      raw: Buffer.concat(chunks),
    });
    const query = new URL(req.url ?? "/", "http://receiver").searchParams;
    if (req.method === "GET") {
      const ok = query.get("hub.mode") === "subscribe" && query.get("hub.verify_token") === FAKE.verifyToken;
      res
        .writeHead(ok ? 200 : 403, { "content-type": "text/plain" })
        .end(ok ? (query.get("hub.challenge") ?? "") : "");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" }).end("EVENT_RECEIVED");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/instagram/webhook`, received, server };
}

let clock = Date.UTC(2026, 2, 10, 12, 0, 0);
let sim: MetaSimulator;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
  sim = await startMetaSimulator({
    appId: FAKE.appId,
    appSecret: FAKE.igAppSecret,
    webhookUrl: receiver.url,
    now: () => clock,
    humanAgentApproved: true,
    accounts: [
      {
        igId: IG_ID,
        appScopedId: APP_SCOPED_ID,
        username: "riviera.linen.studio",
        name: "Riviera Linen Studio",
        accountType: "BUSINESS",
        profilePictureUrl: "https://scontent.example/pic.jpg",
        followersCount: 10,
        followsCount: 2,
        mediaCount: 3,
      },
      {
        igId: "17841400000000001",
        appScopedId: "26900000000000001",
        username: "someone.personal",
        name: "Someone",
        accountType: "PERSONAL",
      },
    ],
  });
});

afterAll(async () => {
  await sim.stop();
  await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
});

afterEach(() => sim.clearFaults());

async function codeFor(username?: string): Promise<string> {
  const location = await sim.authorize({
    clientId: FAKE.appId,
    redirectUri: REDIRECT,
    scope: SCOPE,
    state: "s1",
    username,
  });
  const code = new URL(location).searchParams.get("code");
  if (code === null) throw new Error(`no code in ${location}`);
  return code;
}

function exchangeCode(code: string, overrides: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}/oauth/access_token`, {
    method: "POST",
    body: new URLSearchParams({
      client_id: FAKE.appId,
      client_secret: FAKE.igAppSecret,
      grant_type: "authorization_code",
      redirect_uri: REDIRECT,
      code,
      ...overrides,
    }),
  });
}

async function shortToken(username?: string): Promise<string> {
  const res = await exchangeCode(await codeFor(username));
  const body = parseMetaJson(await res.text()) as { access_token: string };
  return body.access_token;
}

async function longToken(username?: string): Promise<string> {
  const res = await fetch(
    `${sim.url}/access_token?grant_type=ig_exchange_token&client_secret=${FAKE.igAppSecret}&access_token=${await shortToken(username)}`,
  );
  return ((await res.json()) as { access_token: string }).access_token;
}

function send(token: string, body: unknown, igId = IG_ID): Promise<Response> {
  return fetch(`${sim.url}/v25.0/${igId}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

const textTo = (igsid: string, text = "Yes! Size M is in stock.") => ({
  recipient: { id: igsid },
  message: { text },
});

describe("authorize", () => {
  it("renders a consent page with stable ids and redirects with code, state and #_ on Allow", async () => {
    const page = await fetch(
      `${sim.url}/oauth/authorize?client_id=${FAKE.appId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&scope=${SCOPE}&state=st-42&force_reauth=true`,
    );
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const id of ['id="allow"', 'id="cancel"', 'id="account"']) expect(html).toContain(id);

    const decision = await fetch(`${sim.url}/oauth/authorize`, {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({
        client_id: FAKE.appId,
        redirect_uri: REDIRECT,
        scope: SCOPE,
        state: "st-42",
        username: "riviera.linen.studio",
        decision: "allow",
      }),
    });
    expect(decision.status).toBe(302);
    const location = decision.headers.get("location") ?? "";
    expect(location.startsWith(`${REDIRECT}?code=`)).toBe(true);
    expect(location.endsWith("&state=st-42#_")).toBe(true);
  });

  it("Cancel redirects with the documented denial parameters and the state", async () => {
    const decision = await fetch(`${sim.url}/oauth/authorize`, {
      method: "POST",
      redirect: "manual",
      body: new URLSearchParams({
        client_id: FAKE.appId,
        redirect_uri: REDIRECT,
        scope: SCOPE,
        state: "st-9",
        decision: "cancel",
      }),
    });
    expect(decision.status).toBe(302);
    expect(decision.headers.get("location")).toBe(
      `${REDIRECT}?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request&state=st-9`,
    );
    expect(
      await sim.authorize({
        clientId: FAKE.appId,
        redirectUri: REDIRECT,
        scope: SCOPE,
        state: "x",
        deny: true,
      }),
    ).toContain("error=access_denied");
  });

  it("rejects an unknown client_id or response_type with an error page, never a redirect", async () => {
    const badClient = await fetch(
      `${sim.url}/oauth/authorize?client_id=1&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=code&scope=${SCOPE}`,
      { redirect: "manual" },
    );
    expect(badClient.status).toBe(400);
    const badType = await fetch(
      `${sim.url}/oauth/authorize?client_id=${FAKE.appId}&redirect_uri=${encodeURIComponent(REDIRECT)}&response_type=token&scope=${SCOPE}`,
      { redirect: "manual" },
    );
    expect(badType.status).toBe(400);
    expect(badType.headers.get("location")).toBeNull();
  });
});

describe("code exchange (api.instagram.com)", () => {
  it("answers the observed flat shape with the exact big user_id as a raw JSON number", async () => {
    const res = await exchangeCode(await codeFor());
    expect(res.status).toBe(200);
    const raw = await res.text();
    expect(raw).toContain(`"user_id":${APP_SCOPED_ID},`);
    // What a naive client gets: JSON.parse rounds the id.
    expect(String((JSON.parse(raw) as { user_id: number }).user_id)).not.toBe(APP_SCOPED_ID);
    const body = parseMetaJson(raw) as { access_token: string; user_id: string; permissions: string[] };
    expect(body.user_id).toBe(APP_SCOPED_ID);
    expect(body.permissions).toEqual(SCOPE.split(","));
    expect(body.access_token).toMatch(/^IGAA[A-Za-z0-9]{170,}$/);
  });

  it("a code is usable once; reuse gets the IG OAuth error shape", async () => {
    const code = await codeFor();
    expect((await exchangeCode(code)).status).toBe(200);
    const again = await exchangeCode(code);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({
      error_type: "OAuthException",
      code: 400,
      error_message: "Matching code was not found or was already used",
    });
  });

  it("rejects a different redirect_uri, a wrong secret, and a code older than one hour", async () => {
    const wrongRedirect = await exchangeCode(await codeFor(), { redirect_uri: "https://evil.example/cb" });
    expect(wrongRedirect.status).toBe(400);
    expect(((await wrongRedirect.json()) as { error_type: string }).error_type).toBe("OAuthException");
    expect((await exchangeCode(await codeFor(), { client_secret: "nope" })).status).toBe(400);

    const old = await codeFor();
    clock += HOUR + 1;
    const expired = await exchangeCode(old);
    expect(expired.status).toBe(400);
    expect(((await expired.json()) as { error_message: string }).error_message).toBe(
      "Matching code was not found or was already used",
    );
  });

  it("accepts multipart bodies, as in Meta's curl -F sample", async () => {
    const form = new FormData();
    form.set("client_id", FAKE.appId);
    form.set("client_secret", FAKE.igAppSecret);
    form.set("grant_type", "authorization_code");
    form.set("redirect_uri", REDIRECT);
    form.set("code", await codeFor());
    const res = await fetch(`${sim.url}/oauth/access_token`, { method: "POST", body: form });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`"user_id":${APP_SCOPED_ID}`);
  });

  it("can answer the documented {data:[…]} shape instead", async () => {
    sim.setTokenResponseShape("documented");
    try {
      const body = (await (await exchangeCode(await codeFor())).json()) as {
        data: { access_token: string; user_id: string; permissions: string }[];
      };
      expect(body.data[0]?.user_id).toBe(APP_SCOPED_ID);
      expect(body.data[0]?.permissions).toBe(SCOPE);
    } finally {
      sim.setTokenResponseShape("observed");
    }
  });
});

describe("long-lived exchange and refresh (graph.instagram.com)", () => {
  it("exchanges a short-lived token for a 60-day one", async () => {
    const res = await fetch(
      `${sim.url}/access_token?grant_type=ig_exchange_token&client_secret=${FAKE.igAppSecret}&access_token=${await shortToken()}`,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body.token_type).toBe("bearer");
    expect(body.expires_in).toBe(5183944);
    expect(body.access_token.startsWith("IGAA")).toBe(true);

    const wrongSecret = await fetch(
      `${sim.url}/access_token?grant_type=ig_exchange_token&client_secret=wrong&access_token=${await shortToken()}`,
    );
    expect(wrongSecret.status).toBe(400);
  });

  it("refresh needs a token at least 24 h old and unexpired", async () => {
    const token = await longToken();
    const refresh = (t: string) =>
      fetch(`${sim.url}/refresh_access_token?grant_type=ig_refresh_token&access_token=${t}`);

    const young = await refresh(token);
    expect(young.status).toBe(400);
    expect(parseMetaError(young.status, await young.text())?.code).toBe(190);

    clock += DAY;
    const ok = await refresh(token);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { access_token: string; expires_in: number; token_type: string };
    expect(body.expires_in).toBe(5184000);
    expect(body.access_token).not.toBe(token);

    clock += 61 * DAY;
    const expired = await refresh(token);
    expect(parseMetaError(expired.status, await expired.text())).toMatchObject({ code: 190, subcode: 463 });
  });

  it("a token_expired fault on the refresh target is answered with 190/463", async () => {
    const token = sim.issueToken({ ageMs: 2 * DAY });
    sim.injectFault({ kind: "token_expired", target: "refresh" });
    const faulted = await fetch(
      `${sim.url}/refresh_access_token?grant_type=ig_refresh_token&access_token=${token}`,
    );
    expect(parseMetaError(faulted.status, await faulted.text())).toMatchObject({ code: 190, subcode: 463 });
    const fine = await fetch(
      `${sim.url}/refresh_access_token?grant_type=ig_refresh_token&access_token=${token}`,
    );
    expect(fine.status).toBe(200);
  });
});

describe("profile /me", () => {
  it("serves every valid field, ids as strings", async () => {
    const token = await longToken();
    const res = await fetch(
      `${sim.url}/v25.0/me?fields=id,user_id,username,name,account_type,profile_picture_url,followers_count,follows_count,media_count`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: APP_SCOPED_ID,
      user_id: IG_ID,
      username: "riviera.linen.studio",
      name: "Riviera Linen Studio",
      account_type: "BUSINESS",
      profile_picture_url: "https://scontent.example/pic.jpg",
      followers_count: 10,
      follows_count: 2,
      media_count: 3,
    });
  });

  it("answers the setup guide's bug #1 symptom for any unknown field", async () => {
    const token = await longToken();
    for (const fields of ["id,user_idx", "id,username,profile_pic", "instagram_business_account"]) {
      const res = await fetch(`${sim.url}/v25.0/me?fields=${fields}&access_token=${token}`);
      expect(res.status).toBe(400);
      const body = (await res.json()) as {
        error: { message: string; type: string; code: number; fbtrace_id: string };
      };
      expect(body.error).toMatchObject({
        message: "Unsupported request - method type: get",
        type: "IGApiException",
        code: 100,
      });
      expect(body.error.fbtrace_id.length).toBeGreaterThan(5);
    }
  });

  it("reports a non-professional account's type; bad tokens get 190", async () => {
    const token = await longToken("someone.personal");
    const me = (await (
      await fetch(`${sim.url}/v25.0/me?fields=user_id,account_type`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { account_type: string };
    expect(me.account_type).toBe("PERSONAL");

    const bogus = await fetch(`${sim.url}/v25.0/me?fields=id`, {
      headers: { authorization: "Bearer IGAAnotatoken" },
    });
    expect(parseMetaError(bogus.status, await bogus.text())).toMatchObject({
      code: 190,
      type: "IGApiException",
    });
    const invalidated = sim.issueToken();
    sim.invalidateToken(invalidated);
    const gone = await fetch(`${sim.url}/v25.0/me?fields=id`, {
      headers: { authorization: `Bearer ${invalidated}` },
    });
    expect(parseMetaError(gone.status, await gone.text())).toMatchObject({ code: 190, subcode: 460 });
  });

  it("records requests with tokens and secrets masked, so tests can prove which fields were asked for", async () => {
    const token = await longToken();
    await fetch(`${sim.url}/v25.0/me?fields=id,username&access_token=${token}`);
    const requests = sim.requests();
    const me = requests.filter((r) => r.path === "/v25.0/me").at(-1);
    expect(me?.query).toEqual({ fields: "id,username", access_token: "***" });
    const recorded = JSON.stringify(requests);
    expect(recorded).not.toContain(token);
    expect(recorded).not.toContain(FAKE.igAppSecret);
  });
});

describe("webhook subscription", () => {
  it("subscribes, lists, rejects unknown fields listing the valid ones, and unsubscribes", async () => {
    const token = await longToken();
    const fields = "messages,message_reactions,messaging_postbacks,messaging_seen,messaging_referral";
    const ok = await fetch(
      `${sim.url}/v25.0/${IG_ID}/subscribed_apps?subscribed_fields=${fields}&access_token=${token}`,
      {
        method: "POST",
      },
    );
    expect(await ok.json()).toEqual({ success: true });
    expect(sim.subscriptions(IG_ID)).toEqual(fields.split(","));
    const list = (await (
      await fetch(`${sim.url}/v25.0/${IG_ID}/subscribed_apps`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { data: { subscribed_fields: string[] }[] };
    expect(list.data[0]?.subscribed_fields).toEqual(fields.split(","));

    const bad = await fetch(
      `${sim.url}/v25.0/${IG_ID}/subscribed_apps?subscribed_fields=messages,messaging_referrals&access_token=${token}`,
      { method: "POST" },
    );
    expect(bad.status).toBe(400);
    const error = parseMetaError(bad.status, await bad.text());
    expect(error?.code).toBe(100);
    for (const valid of SUBSCRIBABLE_FIELDS) expect(error?.metaMessage).toContain(valid);
    expect(error?.metaMessage).toContain('got "messaging_referrals"');

    const otherAccount = await fetch(
      `${sim.url}/v25.0/17841400000000001/subscribed_apps?subscribed_fields=messages`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(otherAccount.status).toBe(400);

    const del = await fetch(`${sim.url}/v25.0/${IG_ID}/subscribed_apps?access_token=${token}`, {
      method: "DELETE",
    });
    expect(await del.json()).toEqual({ success: true });
    expect(sim.subscriptions(IG_ID)).toEqual([]);
  });
});

describe("Send API and webhooks", () => {
  it("delivers a customer DM signed as Meta signs, opening the window; the reply succeeds and its echo arrives", async () => {
    const token = await longToken();
    const igsid = "3416870925138001";
    const closed = await send(token, textTo(igsid));
    expect(parseMetaError(closed.status, await closed.text())).toMatchObject({ code: 10, subcode: 2534022 });

    const before = receiver.received.length;
    const dm = await sim.sendCustomerMessage({
      igAccountId: IG_ID,
      igsid,
      text: "Hola — ¿tenéis la camisa? 😀",
    });
    expect(dm.delivery?.status).toBe(200);
    const delivered = receiver.received[before];
    if (delivered === undefined) throw new Error("no delivery");
    const rawText = delivered.raw.toString("utf8");
    expect(rawText).toContain("\\u00bf");
    expect(rawText).toContain("\\ud83d\\ude00");
    expect(delivered.raw.every((byte) => byte < 0x80)).toBe(true);
    expect(delivered.headers["x-hub-signature-256"]).toBe(signMetaBody(delivered.raw, FAKE.igAppSecret));
    const event = (
      JSON.parse(rawText) as { entry: { id: string; messaging: { message: { mid: string } }[] }[] }
    ).entry[0];
    expect(event?.id).toBe(IG_ID);
    expect(event?.messaging[0]?.message.mid).toBe(dm.mid);

    const ok = await send(token, textTo(igsid));
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { recipient_id: string; message_id: string };
    expect(body.recipient_id).toBe(igsid);
    expect(body.message_id).toMatch(/^aWdf[A-Za-z0-9]{150,}ZDZD$/);
    expect(parseBusinessUseCaseUsage(ok.headers.get("x-business-use-case-usage"))).toBeDefined();
    expect(sim.sentMessages(IG_ID).at(-1)).toMatchObject({
      recipientId: igsid,
      messageId: body.message_id,
      answer: "ok",
    });

    await sim.idle();
    const echo = receiver.received.at(-1);
    if (echo === undefined) throw new Error("no echo");
    expect(echo.headers["x-hub-signature-256"]).toBe(signMetaBody(echo.raw, FAKE.igAppSecret));
    const echoEvent = (
      JSON.parse(echo.raw.toString("utf8")) as {
        entry: {
          messaging: {
            sender: { id: string };
            recipient: { id: string };
            message: Record<string, unknown>;
          }[];
        }[];
      }
    ).entry[0]?.messaging[0];
    expect(echoEvent?.sender.id).toBe(IG_ID);
    expect(echoEvent?.recipient.id).toBe(igsid);
    expect(echoEvent?.message).toMatchObject({
      mid: body.message_id,
      is_echo: true,
      text: "Yes! Size M is in stock.",
    });
  });

  it("the window closes after 24 h; HUMAN_AGENT extends it to 7 days", async () => {
    const token = await longToken();
    const igsid = "3416870925138002";
    sim.openWindow({ igAccountId: IG_ID, igsid });
    clock += DAY + 1;
    const late = await send(token, textTo(igsid));
    expect(classifyMetaError(parseMetaError(late.status, await late.text()) ?? {})).toBe("window_closed");
    const tagged = await send(token, { ...textTo(igsid), messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT" });
    expect(tagged.status).toBe(200);
    clock += 6 * DAY;
    const tooLate = await send(token, {
      ...textTo(igsid),
      messaging_type: "MESSAGE_TAG",
      tag: "HUMAN_AGENT",
    });
    expect(tooLate.status).toBe(400);
  });

  it("validates the message: 1000 characters pass, 1001 fail with code 100; attachments need https", async () => {
    const token = await longToken();
    sim.openWindow({ igsid: DEFAULT_CUSTOMER_IGSID });
    expect((await send(token, textTo(DEFAULT_CUSTOMER_IGSID, "a".repeat(1000)))).status).toBe(200);
    const tooLong = await send(token, textTo(DEFAULT_CUSTOMER_IGSID, "a".repeat(1001)));
    expect(parseMetaError(tooLong.status, await tooLong.text())?.code).toBe(100);
    const image = {
      recipient: { id: DEFAULT_CUSTOMER_IGSID },
      message: { attachment: { type: "image", payload: { url: "https://cdn.example/a.jpg" } } },
    };
    expect((await send(token, image)).status).toBe(200);
    const asForm = await fetch(`${sim.url}/v25.0/me/messages`, {
      method: "POST",
      body: new URLSearchParams({
        recipient: JSON.stringify({ id: DEFAULT_CUSTOMER_IGSID }),
        message: JSON.stringify({ text: "form-encoded" }),
        access_token: token,
      }),
    });
    expect(asForm.status).toBe(200);
    expect(sim.sentMessages().at(-1)).toMatchObject({ text: "form-encoded", igAccountId: IG_ID });
    const insecure = await send(token, {
      ...image,
      message: { attachment: { type: "image", payload: { url: "http://cdn.example/a.jpg" } } },
    });
    expect(parseMetaError(insecure.status, await insecure.text())?.code).toBe(100);
  });

  it("a token of one account cannot send as another", async () => {
    const token = await longToken();
    const res = await send(token, textTo(DEFAULT_CUSTOMER_IGSID), "17841400000000001");
    expect(res.status).toBe(400);
    expect(sim.sentMessages("17841400000000001")).toEqual([]);
  });
});

describe("fault injection on the Send API, read through metaFetch and classifyMetaError", () => {
  const cases: [FaultKind, { code: number; subcode?: number; httpStatus: number }, string][] = [
    ["rate_limit", { code: 613, subcode: 2534040, httpStatus: 400 }, "rate_limited"],
    ["window_closed", { code: 10, subcode: 2534022, httpStatus: 400 }, "window_closed"],
    ["token_expired", { code: 190, subcode: 463, httpStatus: 400 }, "token_invalid"],
    ["transient", { code: 2, httpStatus: 500 }, "transient"],
    ["server_error", { code: 1, httpStatus: 500 }, "transient"],
    ["recipient_unavailable", { code: 551, subcode: 1545041, httpStatus: 400 }, "recipient_unavailable"],
    ["permission_missing", { code: 200, subcode: 2534041, httpStatus: 400 }, "permission_missing"],
    ["sent_but_invalid_reply", { code: 1, subcode: 1357046, httpStatus: 500 }, "sent_but_unconfirmed"],
  ];

  async function sendViaAdapter(token: string): Promise<unknown> {
    return metaFetch(
      `${sim.url}/v25.0/${IG_ID}/messages`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(textTo(DEFAULT_CUSTOMER_IGSID)),
      },
      { timeoutMs: 5000 },
    ).catch((error: unknown) => error);
  }

  it.each(cases)("%s", async (kind, expected, expectedClass) => {
    const token = sim.issueToken();
    sim.openWindow({ igsid: DEFAULT_CUSTOMER_IGSID });
    const sentBefore = sim.sentMessages().length;
    sim.injectFault({ kind });
    const error = await sendViaAdapter(token);
    expect(error).toBeInstanceOf(MetaApiError);
    if (!(error instanceof MetaApiError)) return;
    expect({ code: error.code, subcode: error.subcode, httpStatus: error.httpStatus }).toEqual({
      subcode: undefined,
      ...expected,
    });
    expect(error.fbtraceId).toMatch(/^A/);
    expect(classifyMetaError(error)).toBe(expectedClass);
    expect(error.message).not.toContain(token);
    // Only the "sent but invalid reply" fault records the message as sent.
    expect(sim.sentMessages().length - sentBefore).toBe(kind === "sent_but_invalid_reply" ? 1 : 0);
    // The fault was used up: the next send goes through.
    expect(await sendViaAdapter(token)).toMatchObject({ status: 200 });
  });

  it("rate_limit can carry another code (80002); count and 'always' control how long a fault lasts", async () => {
    const token = sim.issueToken();
    sim.openWindow({ igsid: DEFAULT_CUSTOMER_IGSID });
    sim.injectFault({ kind: "rate_limit", code: 80002, count: 2, regainAccessMinutes: 7 });
    for (let i = 0; i < 2; i++) {
      const error = await sendViaAdapter(token);
      expect(error).toMatchObject({ code: 80002 });
      const usage =
        error instanceof MetaApiError ? error.headers?.get("x-business-use-case-usage") : undefined;
      expect(parseBusinessUseCaseUsage(usage)).toEqual({ maxCallCountPercent: 100, regainAccessMinutes: 7 });
    }
    expect(await sendViaAdapter(token)).toMatchObject({ status: 200 });

    sim.injectFault({ kind: "transient", count: "always" });
    for (let i = 0; i < 3; i++) expect(await sendViaAdapter(token)).toMatchObject({ code: 2 });
    sim.clearFaults();
    expect(await sendViaAdapter(token)).toMatchObject({ status: 200 });
  });

  it("timeout drops the call without sending; slow answers late but normally", async () => {
    const token = sim.issueToken();
    sim.openWindow({ igsid: DEFAULT_CUSTOMER_IGSID });
    const sentBefore = sim.sentMessages().length;
    sim.injectFault({ kind: "timeout", delayMs: 400 });
    const timedOut = await metaFetch(
      `${sim.url}/v25.0/${IG_ID}/messages`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(textTo(DEFAULT_CUSTOMER_IGSID)),
      },
      { timeoutMs: 100 },
    ).catch((error: unknown) => error);
    expect(timedOut).toBeInstanceOf(MetaTimeoutError);
    expect(String(timedOut)).not.toContain(token);
    expect(sim.sentMessages().length).toBe(sentBefore);
    await vi.waitFor(() => expect(sim.requests().at(-1)?.status).toBe(0), { timeout: 5000 });

    sim.injectFault({ kind: "slow", delayMs: 50 });
    expect(await sendViaAdapter(token)).toMatchObject({ status: 200 });
  });

  it("faults are switchable over HTTP, and the state endpoint never shows tokens or secrets", async () => {
    const token = sim.issueToken();
    sim.openWindow({ igsid: DEFAULT_CUSTOMER_IGSID });
    const injected = await fetch(`${sim.url}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "recipient_unavailable", count: "always" }),
    });
    expect(injected.status).toBe(201);
    expect(await sendViaAdapter(token)).toMatchObject({ code: 551 });
    expect((await fetch(`${sim.url}/_sim/faults`, { method: "DELETE" })).status).toBe(200);
    expect(await sendViaAdapter(token)).toMatchObject({ status: 200 });

    const invalid = await fetch(`${sim.url}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "meteor_strike" }),
    });
    expect(invalid.status).toBe(400);

    const state = await (await fetch(`${sim.url}/_sim/state`)).text();
    expect(state).toContain('"sentMessages"');
    expect(state).not.toContain(token);
    expect(state).not.toContain(FAKE.igAppSecret);
  });

  it("the admin routes answer CORS preflights, so a dev console on another origin can call them", async () => {
    const preflight = await fetch(`${sim.url}/_sim/customer-message`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:3000", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("content-type");
  });

  it("POST /_sim/customer-message delivers a signed DM and opens the window", async () => {
    const igsid = "3416870925138003";
    const before = receiver.received.length;
    const res = await fetch(`${sim.url}/_sim/customer-message`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ igsid, text: "Do you ship to Lisbon?" }),
    });
    expect(res.status).toBe(200);
    const result = (await res.json()) as { mid: string; delivery: { status: number } };
    expect(result.delivery.status).toBe(200);
    const delivered = receiver.received[before];
    expect(delivered?.headers["x-hub-signature-256"]).toBe(
      signMetaBody(delivered?.raw ?? "", FAKE.igAppSecret),
    );
    expect(delivered?.raw.toString("utf8")).toContain(result.mid);
    expect((await send(sim.issueToken(), textTo(igsid))).status).toBe(200);
  });
});

describe("send cap enforcement (optional)", () => {
  it("with sendCapPerHour, the call past the cap in a rolling hour gets 613/2534040", async () => {
    let t = Date.UTC(2026, 2, 10);
    const capped = await startMetaSimulator({
      appId: FAKE.appId,
      appSecret: FAKE.igAppSecret,
      now: () => t,
      sendCapPerHour: 3,
    });
    try {
      const token = capped.issueToken();
      capped.openWindow({ igsid: DEFAULT_CUSTOMER_IGSID });
      const post = () =>
        fetch(`${capped.url}/v25.0/${IG_ID}/messages`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(textTo(DEFAULT_CUSTOMER_IGSID)),
        });
      for (let i = 0; i < 3; i++) {
        expect((await post()).status).toBe(200);
        t += 60_000;
      }
      const over = await post();
      expect(parseMetaError(over.status, await over.text())).toMatchObject({ code: 613, subcode: 2534040 });
      t += HOUR - 2 * 60_000;
      expect((await post()).status).toBe(200);
      expect(capped.maxSendsInAnyHour(IG_ID)).toBe(3);
    } finally {
      await capped.stop();
    }
  });
});

describe("metaFetch failures carry no secrets", () => {
  it("an unreachable host gives MetaNetworkError with the query masked", async () => {
    const port = await freePort();
    const token = `IGAA${"q".repeat(170)}ZDZD`;
    const error = await metaFetch(
      `http://127.0.0.1:${port}/access_token?grant_type=ig_exchange_token&client_secret=${FAKE.igAppSecret}&access_token=${token}`,
      { method: "GET" },
      { timeoutMs: 2000 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetaNetworkError);
    const text = `${String(error)} ${JSON.stringify(error)}`;
    expect(text).toContain(`127.0.0.1:${port}/access_token`);
    expect(text).not.toContain(token);
    expect(text).not.toContain(FAKE.igAppSecret);
  });
});

describe("callbacks Meta makes to the app", () => {
  it("verifyWebhook performs the hub.challenge handshake", async () => {
    expect(await sim.verifyWebhook({ verifyToken: FAKE.verifyToken })).toMatchObject({
      status: 200,
      verified: true,
    });
    expect(await sim.verifyWebhook({ verifyToken: "wrong" })).toMatchObject({ status: 403, verified: false });
  });

  it("deauthorize posts a signed_request with the app-scoped id and invalidates the account's tokens", async () => {
    const token = sim.issueToken();
    const before = receiver.received.length;
    const url = receiver.url.replace("/instagram/webhook", "/instagram/deauthorize");
    expect((await sim.deauthorize({ url })).status).toBe(200);
    const call = receiver.received[before];
    expect(call?.method).toBe("POST");
    expect(call?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    const value = new URLSearchParams(call?.raw.toString("utf8")).get("signed_request") ?? "";
    const [signature, payload] = value.split(".");
    expect(signature).toBe(
      createHmac("sha256", FAKE.igAppSecret)
        .update(payload ?? "")
        .digest("base64url"),
    );
    const decoded = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
    expect(decoded).toMatchObject({ algorithm: "HMAC-SHA256", user_id: APP_SCOPED_ID });
    expect(decoded.issued_at).toBe(Math.floor(clock / 1000));

    const me = await fetch(`${sim.url}/v25.0/me?fields=id`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(parseMetaError(me.status, await me.text())).toMatchObject({ code: 190, subcode: 460 });
  });

  it("requestDataDeletion posts a signed_request carrying expires", async () => {
    const before = receiver.received.length;
    const url = receiver.url.replace("/instagram/webhook", "/instagram/data-deletion");
    await sim.requestDataDeletion({ url });
    const value =
      new URLSearchParams(receiver.received[before]?.raw.toString("utf8")).get("signed_request") ?? "";
    const decoded = JSON.parse(Buffer.from(value.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      expires: number;
      issued_at: number;
    };
    expect(decoded.expires - decoded.issued_at).toBe(3600);
  });
});
