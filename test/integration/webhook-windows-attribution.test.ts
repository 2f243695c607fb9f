import { beforeAll, describe, expect, it } from "vitest";
import { metaJson, signMetaBody } from "../../dev/meta-simulator/signing";
import {
  asStandby,
  customerAttachments,
  customerText,
  envelope,
  type WebhookPayload,
} from "../../dev/meta-simulator/webhook-payloads";
import { ConversationsPage, MessagesPage } from "../../lambdas/contract/api/index";
import { Paths } from "../../lambdas/contract/routes";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { freshQueues, freshTable } from "../support/local-aws";
import { claimsOf, itemsOf, OWNER, postMessage, seedIntegration } from "../support/outbound-harness";

/**
 * The windows Meta grants and the attribution it sends, through the real webhook handler (signed as Meta
 * signs) and out through the app routes: a thread started from an ad may be answered for 7 days, an event under
 * `standby` opens nothing, and the ad, ig.me and opt-in details are readable. Also: implausible event times are
 * malformed events.
 */
type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const ACCOUNT = "17841400000000888";
const DAY = 86_400_000;
let webhook: Handler;
let list: Handler;
let messages: Handler;
let send: Handler;
let tableName: string;
let queueUrl: string;

async function deliver(payload: WebhookPayload | Record<string, unknown>): Promise<void> {
  const body = metaJson(payload);
  const result = await webhook(
    httpEvent({
      method: "POST",
      route: Paths.webhook,
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": signMetaBody(body, FAKE.igAppSecret),
      },
      body,
    }),
    lambdaContext(),
  );
  expect(result.statusCode).toBe(200);
}

async function get(handler: Handler, input: Parameters<typeof httpEvent>[0]): Promise<unknown> {
  const result = await handler(httpEvent({ ...input, claims: claimsOf(OWNER) }), lambdaContext());
  expect(result.statusCode).toBe(200);
  return JSON.parse(String(result.body));
}

async function conversation(igsid: string) {
  const page = ConversationsPage.parse(await get(list, { method: "GET", route: Paths.conversations }));
  return page.items.find((c) => c.participant.igsid === igsid);
}

async function thread(igsid: string) {
  const id = `${ACCOUNT}_${igsid}`;
  return MessagesPage.parse(
    await get(messages, {
      method: "GET",
      route: Paths.conversationMessages,
      path: `/instagram/conversations/${id}/messages`,
      pathParameters: { conversationId: id },
    }),
  ).items;
}

const AD_REFERRAL = {
  ref: "spring_sale",
  ad_id: "120210000000000001",
  source: "ADS",
  type: "OPEN_THREAD",
  ads_context_data: {
    ad_title: "Linen shirts -20%",
    photo_url: "https://scontent.cdninstagram.com/v/ad.jpg?oe=7FFFFFFF",
  },
};

beforeAll(async () => {
  tableName = await freshTable();
  ({ queueUrl } = await freshQueues());
  setHandlerEnv({ tableName, OUTBOUND_QUEUE_URL: queueUrl });
  await seedIntegration(tableName, { token: "IGAAwindowsTestToken0000ZDZD", igAccountId: ACCOUNT });
  webhook = (await import("../../lambdas/handlers/webhook-receive")).handler as Handler;
  list = (await import("../../lambdas/handlers/conversations-list")).handler as Handler;
  messages = (await import("../../lambdas/handlers/conversation-messages")).handler as Handler;
  send = (await import("../../lambdas/handlers/message-send")).handler as Handler;
});

describe("windows Meta grants", () => {
  it("an ad-started conversation can be answered at 3 days (window kind ad_referral), not at 8", async () => {
    const at3 = "3500000000000301";
    const at8 = "3500000000000801";
    for (const [igsid, age] of [
      [at3, 3 * DAY],
      [at8, 8 * DAY],
    ] as const) {
      await deliver(
        customerText({
          igAccountId: ACCOUNT,
          igsid,
          timestamp: Date.now() - age,
          mid: `mid_ad_${igsid}`,
          text: "Is the shirt from the ad in stock?",
          referral: AD_REFERRAL,
        }),
      );
    }
    const three = await conversation(at3);
    expect(three?.window).toMatchObject({ state: "open", kind: "ad_referral" });
    const closesAt = Date.parse(three?.window.closesAt ?? "");
    expect(closesAt - (Date.now() - 3 * DAY)).toBeGreaterThan(4 * DAY - 60_000);
    expect((await postMessage(send, { recipientId: at3, text: "Yes!" }, { tenant: OWNER })).statusCode).toBe(
      202,
    );

    expect((await conversation(at8))?.window.state).toBe("closed");
    const late = await postMessage(send, { recipientId: at8, text: "Yes!" }, { tenant: OWNER });
    expect(late.statusCode).toBe(409);
    expect(JSON.parse(late.body ?? "{}").code).toBe("send.window_closed");
  });

  it("a referral on a later message of an existing thread opens no ad window", async () => {
    const igsid = "3500000000000302";
    const p = { igAccountId: ACCOUNT, igsid };
    await deliver(
      customerText({ ...p, timestamp: Date.now() - 5 * DAY, mid: "mid_plain_302", text: "hello" }),
    );
    await deliver(
      customerText({
        ...p,
        timestamp: Date.now() - 4 * DAY,
        mid: "mid_ad_302",
        text: "ad",
        referral: AD_REFERRAL,
      }),
    );
    // Past the 24 hours of the later message: only HUMAN_AGENT could still answer, as without an ad.
    expect((await conversation(igsid))?.window).toMatchObject({
      state: "human_agent_only",
      kind: "standard",
    });
  });

  it("a message under standby is stored and marked, but does not open our window", async () => {
    const igsid = "3500000000000303";
    await deliver(
      asStandby(
        customerText({
          igAccountId: ACCOUNT,
          igsid,
          timestamp: Date.now() - 60_000,
          mid: "mid_sb",
          text: "hi",
        }),
      ),
    );
    const [stored] = await thread(igsid);
    expect(stored).toMatchObject({ messageId: "mid_sb", text: "hi", standby: true });
    expect((await conversation(igsid))?.window.state).toBe("closed");
    const refused = await postMessage(send, { recipientId: igsid, text: "hello" }, { tenant: OWNER });
    expect(refused.statusCode).toBe(409);
  });
});

describe("attribution and attachment ids readable through the app API", () => {
  it("an ad-started message's referral, an ig.me referral, an opt-in and shared reel/post ids", async () => {
    const igsid = "3500000000000304";
    const p = { igAccountId: ACCOUNT, igsid };
    const t = Date.now() - 60 * 60_000;
    await deliver(
      customerText({ ...p, timestamp: t, mid: "mid_attr_1", text: "from the ad", referral: AD_REFERRAL }),
    );
    const event = (body: Record<string, unknown>, at: number) => ({
      sender: { id: igsid },
      recipient: { id: ACCOUNT },
      timestamp: at,
      ...body,
    });
    await deliver(
      envelope(
        ACCOUNT,
        t + 2000,
        event({ referral: { ref: "bio_link", source: "SHORTLINKS", type: "OPEN_THREAD" } }, t + 1000),
      ),
    );
    await deliver(
      envelope(
        ACCOUNT,
        t + 3000,
        event(
          {
            optin: {
              type: "notification_messages",
              payload: "weekly_drops",
              notification_messages_token: "SECRET-TOKEN-1",
              notification_messages_frequency: "WEEKLY",
              notification_messages_status: "RESUME",
            },
          },
          t + 2000,
        ),
      ),
    );
    await deliver(
      customerAttachments({
        ...p,
        timestamp: t + 3000,
        mid: "mid_attr_2",
        attachments: [{ type: "ig_reel", url: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=9" }],
      }),
    );

    const summary = await conversation(igsid);
    expect(summary?.adReferral?.referral).toMatchObject({
      ad_id: "120210000000000001",
      source: "ADS",
      "ads_context_data.ad_title": "Linen shirts -20%",
      "ads_context_data.photo_url": AD_REFERRAL.ads_context_data.photo_url,
    });
    expect(summary?.lastReferral?.referral).toMatchObject({ ref: "bio_link", source: "SHORTLINKS" });
    expect(summary?.optin?.fields).toMatchObject({
      payload: "weekly_drops",
      notification_messages_status: "RESUME",
    });
    expect(JSON.stringify(summary)).not.toContain("SECRET-TOKEN-1");

    const items = await thread(igsid);
    const byMid = Object.fromEntries(items.map((m) => [m.messageId, m]));
    expect(byMid.mid_attr_1?.referral).toMatchObject({ ad_id: "120210000000000001", source: "ADS" });
    // A lookaside link has no `oe=`: no expiry is invented.
    expect(byMid.mid_attr_2?.attachments?.[0]).toEqual({
      type: "ig_reel",
      url: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=9",
    });
  });

  it("reel_video_id and ig_post_media_id are kept", async () => {
    const igsid = "3500000000000305";
    const t = Date.now() - 60_000;
    await deliver(
      envelope(ACCOUNT, t + 500, {
        sender: { id: igsid },
        recipient: { id: ACCOUNT },
        timestamp: t,
        message: {
          mid: "mid_share",
          attachments: [
            {
              type: "ig_reel",
              payload: {
                url: "https://lookaside.fbsbx.com/r?asset_id=1",
                reel_video_id: "18000000000000001",
                title: "A reel",
              },
            },
            {
              type: "ig_post",
              payload: {
                url: "https://lookaside.fbsbx.com/p?asset_id=2",
                ig_post_media_id: "18000000000000002",
              },
            },
          ],
        },
      }),
    );
    const [stored] = await thread(igsid);
    expect(stored?.attachments).toEqual([
      expect.objectContaining({ type: "ig_reel", reelVideoId: "18000000000000001", title: "A reel" }),
      expect.objectContaining({ type: "ig_post", igPostMediaId: "18000000000000002" }),
    ]);
  });
});

describe("implausible event times", () => {
  it("timestamp 0 and a time two days ahead are malformed events: acknowledged, nothing stored", async () => {
    const before = (await itemsOf(tableName, "message")).length;
    for (const [mid, timestamp] of [
      ["mid_epoch0", 0],
      ["mid_future", Date.now() + 2 * DAY],
    ] as const) {
      await deliver(
        customerText({ igAccountId: ACCOUNT, igsid: "3500000000000306", timestamp, mid, text: "x" }),
      );
    }
    expect((await itemsOf(tableName, "message")).length).toBe(before);
    expect(await conversation("3500000000000306")).toBeUndefined();
  });
});
