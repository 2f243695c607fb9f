import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  APP_SCOPED_ID,
  appUsage,
  bucEntry,
  call,
  DAY,
  type Harness,
  HOUR,
  IG_ID,
  OTHER_IG_ID,
  sendText,
  startHarness,
} from "./meta-simulator-harness";

/* The Send API rules of docs/meta-simulator.md's citation table, each proved over HTTP. */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const CUSTOMER = "3416870925138842";

describe("rate-limit usage headers and throttles (Graph API rate limiting)", () => {
  it("puts X-App-Usage and X-Business-Use-Case-Usage on successes and errors, rising with calls", async () => {
    h = await startHarness({ usage: { callsPerHour: 10, appCallsPerHour: 100 } });
    const token = h.sim.issueToken();
    const first = await call(h.sim, token, "/v25.0/me?fields=id,username");
    expect(first.status).toBe(200);
    expect(bucEntry(first.headers)).toMatchObject({
      type: "instagram",
      call_count: 10,
      estimated_time_to_regain_access: 0,
    } as object);
    expect(appUsage(first.headers)?.call_count).toBe(1);
    const refused = await sendText(h.sim, token, CUSTOMER); // window never opened
    expect(refused.error).toMatchObject({ code: 10, subcode: 2534022 });
    expect(bucEntry(refused.headers)?.call_count).toBe(20);
    expect(appUsage(refused.headers)?.call_count).toBe(2);
    h.clock += HOUR + 1; // a rolling hour later the usage has drained
    const later = await call(h.sim, token, "/v25.0/me?fields=id");
    expect(bucEntry(later.headers)?.call_count).toBe(10);
  });

  it("throttles an account at 100 % with 80002 and estimated_time_to_regain_access, then lets it back in", async () => {
    h = await startHarness({ usage: { callsPerHour: 3, throttleAtFull: true, regainAccessMinutes: 60 } });
    const token = h.sim.issueToken();
    for (let i = 0; i < 3; i++) expect((await call(h.sim, token, "/v25.0/me")).status).toBe(200);
    const throttled = await call(h.sim, token, "/v25.0/me");
    expect(throttled.error?.code).toBe(80002);
    expect(bucEntry(throttled.headers)).toMatchObject({
      call_count: 100,
      estimated_time_to_regain_access: 60,
    });
    h.clock += 30 * 60_000;
    const still = await sendText(h.sim, token, CUSTOMER);
    expect(still.error?.code).toBe(80002);
    expect(bucEntry(still.headers)?.estimated_time_to_regain_access).toBe(30);
    // Another account of the same app is not throttled by this one.
    const other = await call(h.sim, h.sim.issueToken({ igAccountId: OTHER_IG_ID }), "/v25.0/me");
    expect(other.status).toBe(200);
    h.clock += 30 * 60_000 + HOUR;
    expect((await call(h.sim, token, "/v25.0/me")).status).toBe(200);
  });

  it("sim.throttle: a set regain time on one account (80002), or app-wide with code 4", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    const other = h.sim.issueToken({ igAccountId: OTHER_IG_ID });
    h.sim.throttle({ regainAccessMinutes: 60 });
    const hit = await call(h.sim, token, "/v25.0/me");
    expect(hit.error?.code).toBe(80002);
    expect(bucEntry(hit.headers)?.estimated_time_to_regain_access).toBe(60);
    expect((await call(h.sim, other, "/v25.0/me")).status).toBe(200);
    h.clock += 61 * 60_000;
    expect((await call(h.sim, token, "/v25.0/me")).status).toBe(200);

    h.sim.throttle({ code: 4, regainAccessMinutes: 5 });
    for (const t of [token, other]) {
      const app = await call(h.sim, t, "/v25.0/me");
      expect(app.error?.code).toBe(4);
      expect(appUsage(app.headers)?.call_count).toBe(100);
    }
    h.clock += 5 * 60_000;
    expect((await call(h.sim, other, "/v25.0/me")).status).toBe(200);
  });

  it("the admin API throttles too (local mode)", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    const res = await fetch(`${h.sim.url}/_sim/throttle`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: 613, regainAccessMinutes: 2 }),
    });
    expect(res.status).toBe(201);
    expect((await call(h.sim, token, "/v25.0/me")).error?.code).toBe(613);
    await fetch(`${h.sim.url}/_sim/throttle`, { method: "DELETE" });
    expect((await call(h.sim, token, "/v25.0/me")).status).toBe(200);
  });
});

describe("text limit: 1000 UTF-8 bytes (send-message pages)", () => {
  it("accepts 1000 bytes of emoji and refuses 1001 bytes with code 100 naming the byte count", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    h.sim.openWindow({ igsid: CUSTOMER });
    const emoji250 = "😀".repeat(250); // 250 characters, 500 UTF-16 units, 1000 UTF-8 bytes
    expect((await sendText(h.sim, token, CUSTOMER, emoji250)).status).toBe(200);
    const over = await sendText(h.sim, token, CUSTOMER, `${emoji250}a`);
    expect(over.error?.code).toBe(100);
    expect(over.error?.message).toContain("1001");
    // 334 characters of "é" are 668 bytes: fine; 501 of them are 1002 bytes: refused although < 1000 characters.
    expect((await sendText(h.sim, token, CUSTOMER, "é".repeat(334))).status).toBe(200);
    expect((await sendText(h.sim, token, CUSTOMER, "é".repeat(501))).error?.code).toBe(100);
    expect(h.sim.sentMessages()).toHaveLength(2);
  });
});

describe("windows (Messenger Platform and IG Messaging API policy)", () => {
  it("HUMAN_AGENT does not extend the window unless the app is approved for it", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    const tag = { messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT" };
    h.sim.openWindow({ igsid: CUSTOMER });
    expect((await sendText(h.sim, token, CUSTOMER, "inside 24 h", tag)).status).toBe(200);
    h.clock += DAY + 1;
    expect((await sendText(h.sim, token, CUSTOMER, "late", tag)).error).toMatchObject({
      code: 10,
      subcode: 2534022,
    });
  });

  it("an approved app may answer with HUMAN_AGENT for 7 days, not longer", async () => {
    h = await startHarness({ humanAgentApproved: true });
    const token = h.sim.issueToken();
    const tag = { messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT" };
    h.sim.openWindow({ igsid: CUSTOMER });
    h.clock += 3 * DAY;
    expect((await sendText(h.sim, token, CUSTOMER, "late", tag)).status).toBe(200);
    expect((await sendText(h.sim, token, CUSTOMER, "untagged")).error?.subcode).toBe(2534022);
    h.clock += 4 * DAY + 1;
    expect((await sendText(h.sim, token, CUSTOMER, "too late", tag)).error?.subcode).toBe(2534022);
  });

  it("a conversation started from a Click-to-Direct ad may be answered at 3 days and not at 8", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    const referral = {
      source: "ADS" as const,
      type: "OPEN_THREAD" as const,
      ad_id: "120212345678900001",
      ref: "spring",
    };
    await h.sim.sendCustomerMessage({ igsid: CUSTOMER, text: "Is this still on sale?", referral });
    const delivered = h.received.at(-1) as { entry: { messaging: { message: Record<string, unknown> }[] }[] };
    expect(delivered.entry[0]?.messaging[0]?.message.referral).toEqual(referral);
    h.clock += 3 * DAY;
    expect((await sendText(h.sim, token, CUSTOMER)).status).toBe(200);
    h.clock += 5 * DAY;
    expect((await sendText(h.sim, token, CUSTOMER)).error).toMatchObject({ code: 10, subcode: 2534022 });
  });

  it("local mode: POST /_sim/customer-message with an ad referral opens the 7-day window too", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    const igsid = "3416870925138777";
    const res = await fetch(`${h.sim.url}/_sim/customer-message`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ igsid, text: "from the ad", referral: { source: "ADS", ad_id: "42" } }),
    });
    expect(res.status).toBe(200);
    h.clock += 6 * DAY;
    expect((await sendText(h.sim, token, igsid)).status).toBe(200);
    h.clock += DAY + 1;
    expect((await sendText(h.sim, token, igsid)).error?.subcode).toBe(2534022);
  });

  it("an ad referral on a later message of an existing thread opens no 7-day window", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    const igsid = "3416870925138999";
    await h.sim.sendCustomerMessage({ igsid, text: "hi" });
    await h.sim.sendCustomerMessage({ igsid, text: "saw your ad", referral: { source: "ADS", ad_id: "1" } });
    h.clock += 3 * DAY;
    expect((await sendText(h.sim, token, igsid)).error?.subcode).toBe(2534022);
  });
});

describe("thread ownership (standby) and account-level refusals", () => {
  it("another app owning the thread: events arrive under standby[], sends answer 100/2534037", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    h.sim.setThreadOwner({ igsid: CUSTOMER, owner: "other" });
    const { mid } = await h.sim.sendCustomerMessage({ igsid: CUSTOMER, text: "hello?" });
    const delivered = h.received.at(-1) as { entry: Record<string, unknown>[] };
    expect(delivered.entry[0]?.messaging).toBeUndefined();
    expect(delivered.entry[0]?.standby).toMatchObject([{ sender: { id: CUSTOMER }, message: { mid } }]);
    expect((await sendText(h.sim, token, CUSTOMER)).error).toMatchObject({ code: 100, subcode: 2534037 });
    const typing = await call(h.sim, token, "/v25.0/me/messages", {
      json: { recipient: { id: CUSTOMER }, sender_action: "typing_on" },
    });
    expect(typing.error?.subcode).toBe(2534037);
    h.sim.setThreadOwner({ igsid: CUSTOMER, owner: "us" });
    expect((await sendText(h.sim, token, CUSTOMER)).status).toBe(200);
  });

  it("a restricted account (10/1893063) or blocked business (100/2534029) refuses every send until cleared", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    const otherToken = h.sim.issueToken({ igAccountId: OTHER_IG_ID });
    for (const igsid of [CUSTOMER, "3416870925138001"]) {
      h.sim.openWindow({ igsid });
      h.sim.openWindow({ igAccountId: OTHER_IG_ID, igsid });
    }
    h.sim.setAccountRestriction(IG_ID, "restricted");
    expect((await sendText(h.sim, token, CUSTOMER)).error).toMatchObject({ code: 10, subcode: 1893063 });
    expect((await sendText(h.sim, token, "3416870925138001")).error?.subcode).toBe(1893063);
    expect((await sendText(h.sim, otherToken, CUSTOMER)).status).toBe(200);
    const viaAdmin = await fetch(`${h.sim.url}/_sim/account-restriction`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ restriction: "business_blocked" }),
    });
    expect(viaAdmin.status).toBe(200);
    expect((await sendText(h.sim, token, CUSTOMER)).error).toMatchObject({ code: 100, subcode: 2534029 });
    h.sim.setAccountRestriction(IG_ID, undefined);
    expect((await sendText(h.sim, token, CUSTOMER)).status).toBe(200);
    expect(h.sim.sentMessages(IG_ID)).toHaveLength(1);
  });
});

describe("deauthorize and data deletion carry the id chosen per call", () => {
  it("user_id is the app-scoped id by default, or the account id, or the token exchange's user_id", async () => {
    h = await startHarness();
    const bodies: string[] = [];
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      bodies.push(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`;
    try {
      await h.sim.requestDataDeletion({ url });
      await h.sim.requestDataDeletion({ url, userId: "ig_account" });
      await h.sim.deauthorize({ url, userId: "token_exchange" });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const userIds = bodies.map((b) => {
      const signed = new URLSearchParams(b).get("signed_request") ?? "";
      const payload = JSON.parse(Buffer.from(signed.split(".")[1] ?? "", "base64url").toString("utf8"));
      return (payload as { user_id: string }).user_id;
    });
    expect(userIds).toEqual([APP_SCOPED_ID, IG_ID, APP_SCOPED_ID]);
  });
});
