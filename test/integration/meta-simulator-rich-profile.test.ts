import { afterEach, describe, expect, it } from "vitest";
import { call, DAY, type Harness, IG_ID, OTHER_IG_ID, startHarness } from "./meta-simulator-harness";

/* Ice breakers and the persistent menu: `/<IG_ID>/messenger_profile` (docs/meta-simulator.md, "Rich messages"). */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const PATH = `/v25.0/${IG_ID}/messenger_profile`;
const q = (n: number) => ({ question: `Question ${n}?`, payload: `Q${n}` });
const ICE_BREAKERS = [
  { call_to_actions: [q(1), q(2)], locale: "default" },
  { call_to_actions: [q(3)], locale: "en_GB" },
];
const MENU = [
  {
    locale: "default",
    call_to_actions: [
      { type: "postback", title: "Talk to an agent", payload: "CARE_HELP" },
      { type: "web_url", title: "Shop now", url: "https://shop.example/" },
    ],
  },
];
const post = (token: string, body: Record<string, unknown>, path = PATH) =>
  call(h?.sim as Harness["sim"], token, path, { json: { platform: "instagram", ...body } });
const get = (token: string, fields: string, path = PATH) =>
  call(h?.sim as Harness["sim"], token, `${path}?fields=${fields}`);

describe("messenger_profile: set, read back and delete as Meta holds them", () => {
  it("ice breakers: the documented body is accepted and GET fields=ice_breakers answers it under data", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    const set = await post(token, { ice_breakers: ICE_BREAKERS });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ result: "success" });
    expect((await get(token, "ice_breakers")).body).toEqual({ data: ICE_BREAKERS });
    expect(h.sim.messengerProfile()).toEqual({ ice_breakers: ICE_BREAKERS });
    const del = await call(h.sim, token, PATH, { method: "DELETE", json: { fields: ["ice_breakers"] } });
    expect(del.body).toEqual({ result: "success" });
    expect((await get(token, "ice_breakers")).body).toEqual({ data: [] });
  });

  it("persistent menu: set, read with /me, and kept when ice breakers are set later", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    expect((await post(token, { persistent_menu: MENU }, "/v25.0/me/messenger_profile")).status).toBe(200);
    await post(token, { ice_breakers: ICE_BREAKERS });
    expect((await get(token, "persistent_menu", "/v25.0/me/messenger_profile")).body).toEqual({
      data: [{ persistent_menu: MENU }],
    });
    expect(h.sim.messengerProfile()).toEqual({ persistent_menu: MENU, ice_breakers: ICE_BREAKERS });
  });

  it("another account's id is Graph's 'does not exist' and leaves both profiles as they were", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    const other = h.sim.issueToken({ igAccountId: OTHER_IG_ID });
    await post(other, { ice_breakers: ICE_BREAKERS }, `/v25.0/${OTHER_IG_ID}/messenger_profile`);
    const res = await post(
      token,
      { ice_breakers: [{ call_to_actions: [q(9)], locale: "default" }] },
      `/v25.0/${OTHER_IG_ID}/messenger_profile`,
    );
    expect(res.error).toMatchObject({ code: 100, subcode: 33 });
    expect((await get(token, "ice_breakers", `/v25.0/${OTHER_IG_ID}/messenger_profile`)).error?.subcode).toBe(
      33,
    );
    const del = await call(h.sim, token, `/v25.0/${OTHER_IG_ID}/messenger_profile`, {
      method: "DELETE",
      json: { fields: ["ice_breakers"] },
    });
    expect(del.error?.subcode).toBe(33);
    expect(h.sim.messengerProfile(OTHER_IG_ID)).toEqual({ ice_breakers: ICE_BREAKERS });
    expect(h.sim.messengerProfile()).toEqual({});
  });

  it("refuses a missing or revoked token", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    h.sim.invalidateToken(token);
    expect((await post(token, { ice_breakers: ICE_BREAKERS })).error?.code).toBe(190);
    const anonymous = await fetch(`${h.sim.url}${PATH}?fields=ice_breakers`);
    expect(anonymous.status).toBe(400);
    expect(h.sim.messengerProfile()).toEqual({});
  });
});

const menu = (items: unknown[], extra: Record<string, unknown> = {}) => [
  { locale: "default", call_to_actions: items, ...extra },
];
const pb = (title = "Help") => ({ type: "postback", title, payload: "HELP" });

const LIMITS: [string, Record<string, unknown>, string][] = [
  [
    "5 ice breaker questions",
    { ice_breakers: [{ call_to_actions: [1, 2, 3, 4, 5].map(q), locale: "default" }] },
    "[call_to_actions]",
  ],
  ["no default locale", { ice_breakers: [{ call_to_actions: [q(1)], locale: "en_GB" }] }, "default locale"],
  [
    "a repeated locale",
    {
      ice_breakers: [
        { call_to_actions: [q(1)], locale: "default" },
        { call_to_actions: [q(2)], locale: "default" },
      ],
    },
    "[1][locale]",
  ],
  ["a malformed locale", { ice_breakers: [{ call_to_actions: [q(1)], locale: "english" }] }, "[0][locale]"],
  ["the old flat ice breaker format", { ice_breakers: [q(1)] }, "ice_breakers[0]"],
  [
    "a question of 81 characters",
    { ice_breakers: [{ call_to_actions: [{ question: "x".repeat(81), payload: "P" }], locale: "default" }] },
    "[question]",
  ],
  [
    "a question without payload",
    { ice_breakers: [{ call_to_actions: [{ question: "Hi?" }], locale: "default" }] },
    "[payload]",
  ],
  ["platform other than instagram", { platform: "messenger", ice_breakers: ICE_BREAKERS }, "platform"],
  ["neither property", {}, "required"],
  ["21 menu items", { persistent_menu: menu(Array.from({ length: 21 }, () => pb())) }, "[call_to_actions]"],
  [
    "composer_input_disabled",
    { persistent_menu: menu([pb()], { composer_input_disabled: true }) },
    "composer_input_disabled",
  ],
  [
    "webview_height_ratio",
    { persistent_menu: menu([{ ...pb(), webview_height_ratio: "full" }]) },
    "webview_height_ratio",
  ],
  ["a menu title of 31 characters", { persistent_menu: menu([pb("x".repeat(31))]) }, "[title]"],
  [
    "a nested menu item",
    { persistent_menu: menu([{ type: "nested", title: "More", call_to_actions: [pb()] }]) },
    "[type]",
  ],
  [
    "a menu URL over http",
    { persistent_menu: menu([{ type: "web_url", title: "Shop", url: "http://x.example" }]) },
    "[url]",
  ],
];

describe("messenger_profile refused at each limit with 100 naming the field, nothing changed", () => {
  it.each(LIMITS)("%s", async (_name, body, field) => {
    h = await startHarness();
    const token = h.sim.issueToken();
    await post(token, { ice_breakers: ICE_BREAKERS });
    const res = await post(token, body);
    expect(res.status).toBe(400);
    expect(res.error?.code).toBe(100);
    expect(res.error?.message).toContain(field);
    expect(h.sim.messengerProfile()).toEqual({ ice_breakers: ICE_BREAKERS });
  });

  it("GET and DELETE refuse unknown fields", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    expect((await get(token, "greeting")).error?.message).toContain("fields[0]");
    const del = await call(h.sim, token, PATH, { method: "DELETE", json: { fields: ["get_started"] } });
    expect(del.error?.code).toBe(100);
  });
});

describe("the customer taps an ice breaker or a menu item", () => {
  const CUSTOMER = "3416870925138842";
  const event = (body: unknown) =>
    (body as { entry: { messaging: Record<string, unknown>[] }[] }).entry[0]?.messaging[0];

  it("an ice breaker arrives as a postback with the question and payload, and opens the window", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    await post(token, { ice_breakers: ICE_BREAKERS });
    const sendText = () =>
      call(h?.sim as Harness["sim"], token, "/v25.0/me/messages", {
        json: { recipient: { id: CUSTOMER }, message: { text: "Hi!" } },
      });
    expect((await sendText()).error?.code).toBe(10); // never messaged: window closed
    const tap = await h.sim.tapProfile({ igsid: CUSTOMER, kind: "ice_breaker", index: 1 });
    expect(tap.delivery?.status).toBe(200);
    expect(event(h.received[0])).toMatchObject({
      sender: { id: CUSTOMER },
      recipient: { id: IG_ID },
      postback: { title: "Question 2?", payload: "Q2" },
    });
    expect((await sendText()).status).toBe(200);
    h.clock += DAY + 1;
    expect((await sendText()).error?.code).toBe(10);
  });

  it("a menu postback item arrives over the admin route; URL items, unknown locales and other accounts are refused", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    await post(token, { persistent_menu: MENU });
    const tap = (body: Record<string, unknown>) =>
      fetch(`${h?.sim.url}/_sim/customer-tap`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ igsid: CUSTOMER, ...body }),
      });
    expect((await tap({ kind: "menu", index: 0 })).status).toBe(200);
    expect(event(h.received[0])).toMatchObject({
      postback: { title: "Talk to an agent", payload: "CARE_HELP" },
    });
    expect((await tap({ kind: "menu", index: 1 })).status).toBe(404); // a web_url item opens a browser
    expect((await tap({ kind: "menu", index: 0, locale: "fr_FR" })).status).toBe(404);
    expect((await tap({ kind: "menu", index: 0, igAccountId: OTHER_IG_ID })).status).toBe(404);
    expect((await tap({ kind: "button", index: 0 })).status).toBe(400); // a button tap needs the message's mid
    expect(h.received).toHaveLength(1);
  });
});

describe("after the app is removed", () => {
  it("the old token can neither read nor change the profile; Meta keeps it (our deletion must DELETE it first)", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    await post(token, { ice_breakers: ICE_BREAKERS, persistent_menu: MENU });
    await h.sim.deauthorize({ url: h.webhookUrl });
    expect((await get(token, "ice_breakers")).error?.code).toBe(190);
    const del = await call(h.sim, token, PATH, { method: "DELETE", json: { fields: ["ice_breakers"] } });
    expect(del.error?.code).toBe(190);
    expect(h.sim.messengerProfile()).toEqual({ ice_breakers: ICE_BREAKERS, persistent_menu: MENU });
  });
});
