import { afterEach, describe, expect, it } from "vitest";
import { call, DAY, type Harness, IG_ID, startHarness } from "./meta-simulator-harness";

/* The User Profile API, the Conversations API and sender actions, as docs/meta-simulator.md cites them. */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const CUSTOMER = "3416870925138842";
const ALL_FIELDS =
  "name,username,profile_pic,follower_count,is_user_follow_business,is_business_follow_user,is_verified_user";

describe("User Profile API (GET /<IGSID>)", () => {
  it("needs the person's consent: refused until they message the account, then exactly the fields asked for", async () => {
    h = await startHarness({
      customers: [{ igsid: CUSTOMER, name: "Lucía Ortega", username: "lucia.ortega", followerCount: 312 }],
    });
    const token = h.sim.issueToken();
    const before = await call(h.sim, token, `/v25.0/${CUSTOMER}?fields=${ALL_FIELDS}`);
    expect(before.error?.code).toBe(230);
    expect(before.error?.message).toContain("User consent is required");
    await h.sim.sendCustomerMessage({ igsid: CUSTOMER, text: "hola" });
    const profile = await call(h.sim, token, `/v25.0/${CUSTOMER}?fields=${ALL_FIELDS}`);
    expect(profile.status).toBe(200);
    expect(Object.keys(profile.body).sort()).toEqual([...ALL_FIELDS.split(","), "id"].sort());
    expect(profile.body).toMatchObject({
      id: CUSTOMER,
      name: "Lucía Ortega",
      username: "lucia.ortega",
      follower_count: 312,
      is_verified_user: false,
    });
    const narrow = await call(h.sim, token, `/v25.0/${CUSTOMER}?fields=username`);
    expect(narrow.body).toEqual({ username: "lucia.ortega", id: CUSTOMER });
  });

  it("profile_pic carries an expiry a few days ahead; unknown fields and blocked customers are refused", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    await h.sim.sendCustomerMessage({ igsid: CUSTOMER, text: "hi" });
    const pic = await call(h.sim, token, `/v25.0/${CUSTOMER}?fields=profile_pic`);
    const oe = new URL(String(pic.body.profile_pic)).searchParams.get("oe") ?? "";
    const expiresAt = Number.parseInt(oe, 16) * 1000;
    expect(expiresAt - h.clock).toBeGreaterThan(DAY);
    expect(expiresAt - h.clock).toBeLessThanOrEqual(7 * DAY);
    expect((await call(h.sim, token, `/v25.0/${CUSTOMER}?fields=email`)).error?.code).toBe(100);
    h.sim.setCustomer({ igsid: CUSTOMER, blockedBusiness: true });
    const blocked = await call(h.sim, token, `/v25.0/${CUSTOMER}?fields=name`);
    expect(blocked.status).toBe(400);
    expect(blocked.error?.code).toBe(100);
  });
});

interface Page {
  data: { id: string; updated_time?: string; created_time?: string }[];
  paging?: { cursors: { before: string; after: string }; next?: string };
}

describe("Conversations API", () => {
  it("lists a seeded history of 250 conversations newest first, paged by cursor, at most 2 calls/s", async () => {
    h = await startHarness({ history: { conversations: 250, messagesPerConversation: 5 } });
    const token = h.sim.issueToken();
    const ids: string[] = [];
    const times: string[] = [];
    let after: string | undefined;
    for (;;) {
      const query = `platform=instagram&limit=100${after === undefined ? "" : `&after=${after}`}`;
      const res = await call(h.sim, token, `/v25.0/me/conversations?${query}`);
      expect(res.status).toBe(200);
      const page = res.body as unknown as Page;
      ids.push(...page.data.map((c) => c.id));
      times.push(...page.data.map((c) => c.updated_time ?? ""));
      h.clock += 1000; // stay under 2 calls per second
      if (page.paging?.next === undefined) break;
      after = page.paging.cursors.after;
    }
    expect(ids).toHaveLength(250);
    expect(new Set(ids).size).toBe(250);
    expect(times).toEqual([...times].sort().reverse());
    expect(times[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/);

    await call(h.sim, token, "/v25.0/me/conversations?platform=instagram");
    await call(h.sim, token, "/v25.0/me/conversations?platform=instagram");
    const third = await call(h.sim, token, "/v25.0/me/conversations?platform=instagram");
    expect(third.error?.code).toBe(613);
    h.clock += 1001;
    expect((await call(h.sim, token, `/v25.0/${IG_ID}/conversations?platform=instagram`)).status).toBe(200);
    h.clock += 1001;
    expect((await call(h.sim, token, "/v25.0/me/conversations")).error?.code).toBe(100); // platform is required
  });

  it("seeding is deterministic: two simulators list the same conversations and message ids", async () => {
    const list = async () => {
      const one = await startHarness({ history: { conversations: 3, messagesPerConversation: 2 } });
      try {
        const token = one.sim.issueToken();
        const res = await call(one.sim, token, "/v25.0/me/conversations?platform=instagram");
        one.clock += 1000;
        const first = (res.body as unknown as Page).data[0]?.id ?? "";
        const msgs = await call(one.sim, token, `/v25.0/${first}?fields=messages`);
        return { res: res.body, msgs: msgs.body };
      } finally {
        await one.close();
      }
    };
    expect(await list()).toEqual(await list());
  });

  it("a webhook-delivered message and our reply appear in the API with the same mid; details only for the 20 most recent", async () => {
    h = await startHarness({ conversationsPerSecond: 1000 });
    const token = h.sim.issueToken();
    const mids: string[] = [];
    for (let i = 0; i < 22; i++) {
      h.clock += 1000;
      mids.push((await h.sim.sendCustomerMessage({ igsid: CUSTOMER, text: `message ${i}` })).mid);
    }
    h.clock += 1000;
    const reply = await call(h.sim, token, "/v25.0/me/messages", {
      json: { recipient: { id: CUSTOMER }, message: { text: "Yes, size M." } },
    });
    const replyMid = String(reply.body.message_id);

    const byUser = await call(h.sim, token, `/v25.0/me/conversations?user_id=${CUSTOMER}`);
    const conversationId = (byUser.body as unknown as Page).data[0]?.id ?? "";
    expect(conversationId).not.toBe("");
    const messages = await call(h.sim, token, `/v25.0/${conversationId}?fields=messages&limit=5`);
    const page = (messages.body as { messages: Page }).messages;
    expect(page.data.map((m) => m.id)).toEqual([replyMid, ...mids.slice(-4).reverse()]);
    expect(page.paging?.next).toBeDefined();

    const latest = await call(h.sim, token, `/v25.0/${mids[21]}?fields=id,created_time,from,to,message`);
    expect(latest.body).toMatchObject({
      id: mids[21],
      message: "message 21",
      from: { id: CUSTOMER },
      to: { data: [{ id: IG_ID, username: "riviera.linen.studio" }] },
    });
    const ours = await call(h.sim, token, `/v25.0/${replyMid}?fields=from,message`);
    expect(ours.body).toMatchObject({ from: { id: IG_ID }, message: "Yes, size M." });
    // 23 messages: the reply and mids[22-19..] are the 20 newest; mids[2] is the 21st newest.
    expect((await call(h.sim, token, `/v25.0/${mids[3]}?fields=message`)).status).toBe(200);
    expect((await call(h.sim, token, `/v25.0/${mids[2]}?fields=message`)).error?.code).toBe(100);
  });
});

describe("sender actions (typing_on, typing_off, mark_seen, react, unreact)", () => {
  it("are accepted inside the window and recorded; outside it they answer 10/2534022", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    const { mid } = await h.sim.sendCustomerMessage({ igsid: CUSTOMER, text: "hi" });
    const act = (json: object) =>
      call(h?.sim as NonNullable<typeof h>["sim"], token, "/v25.0/me/messages", {
        json: { recipient: { id: CUSTOMER }, ...json },
      });
    for (const action of ["typing_on", "typing_off", "mark_seen"]) {
      const res = await act({ sender_action: action });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ recipient_id: CUSTOMER });
    }
    expect(
      (await act({ sender_action: "react", payload: { message_id: mid, reaction: "love" } })).status,
    ).toBe(200);
    expect((await act({ sender_action: "unreact", payload: { message_id: mid } })).status).toBe(200);
    expect(h.sim.senderActions().map((a) => a.action)).toEqual([
      "typing_on",
      "typing_off",
      "mark_seen",
      "react",
      "unreact",
    ]);
    expect(h.sim.senderActions()[3]).toMatchObject({ messageId: mid, reaction: "love" });
    expect(h.sim.sentMessages()).toHaveLength(0); // sender actions are not messages

    expect((await act({ sender_action: "wave" })).error?.code).toBe(100);
    expect(
      (await act({ sender_action: "react", payload: { message_id: "nope", reaction: "love" } })).error?.code,
    ).toBe(100);
    h.clock += DAY + 1;
    expect((await act({ sender_action: "typing_on" })).error).toMatchObject({ code: 10, subcode: 2534022 });
  });
});
