import { describe, expect, it } from "vitest";
import { AppError } from "../../lambdas/domain/errors";
import type { Delivery, WebhookEvent } from "../../lambdas/domain/webhook/events";
import { cdnLinkExpiry, normaliseEvent, parseDelivery } from "../../lambdas/domain/webhook/parse";
import { ACCOUNT, CUSTOMER, fixtureText, REACT_MID, TEXT_MID } from "../support/webhook-fixtures";

function only(delivery: Delivery): WebhookEvent {
  expect(delivery.entries).toHaveLength(1);
  const events = delivery.entries[0]?.events ?? [];
  expect(events).toHaveLength(1);
  return events[0] as WebhookEvent;
}

const event = (fixture: string) => only(parseDelivery(fixtureText(fixture)));
const base = { igAccountId: ACCOUNT, igsid: CUSTOMER, channel: "messaging" };

describe("normalisation of every Instagram messaging event kind", () => {
  it("text message", () => {
    expect(event("ig-message-text.json")).toEqual({
      ...base,
      kind: "message",
      direction: "inbound",
      mid: TEXT_MID,
      timestamp: 1773151542491,
      text: "Hi! Do you still have the linen shirt in size M?",
      attachments: [],
      unsupported: false,
    });
  });

  it("image attachment, with the CDN link's expiry read from its oe parameter", () => {
    const image = event("ig-message-image.json");
    expect(image).toMatchObject({ kind: "message", direction: "inbound" });
    if (image.kind !== "message") throw new Error("not a message");
    expect(image.text).toBeUndefined();
    expect(image.attachments).toEqual([
      {
        type: "image",
        url: expect.stringContaining("cdninstagram.com"),
        urlExpiresAt: 0x69b4c7e2 * 1000,
      },
    ]);
  });

  it.each([
    ["ig-message-video.json", "video"],
    ["ig-message-audio.json", "audio"],
    ["ig-message-file.json", "file"],
    ["ig-message-share.json", "share"],
    ["ig-message-ig-post.json", "ig_post"],
    ["ig-message-ig-reel.json", "ig_reel"],
    ["ig-message-story-mention.json", "story_mention"],
  ])("%s: one %s attachment with its URL as received", (fixture, type) => {
    const message = event(fixture);
    if (message.kind !== "message") throw new Error("not a message");
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]?.type).toBe(type);
    expect(message.attachments[0]?.url).toMatch(
      /^https:\/\/lookaside\.fbsbx\.com\/ig_messaging_cdn\/\?asset_id=/,
    );
  });

  it("ig_post and ig_reel keep their title", () => {
    const post = event("ig-message-ig-post.json");
    const reel = event("ig-message-ig-reel.json");
    if (post.kind !== "message" || reel.kind !== "message") throw new Error("not messages");
    expect(post.attachments[0]?.title).toBe("New linen collection");
    expect(reel.attachments[0]?.title).toBe("Summer looks");
  });

  it("ephemeral media has no URL", () => {
    const message = event("ig-message-ephemeral.json");
    if (message.kind !== "message") throw new Error("not a message");
    expect(message.attachments).toEqual([{ type: "ephemeral" }]);
  });

  it("several media in one message, in order", () => {
    const message = event("ig-message-multi-media.json");
    if (message.kind !== "message") throw new Error("not a message");
    expect(message.attachments.map((a) => a.type)).toEqual(["image", "image", "video"]);
  });

  it("reply to a message and reply to a story", () => {
    expect(event("ig-message-reply-to-message.json")).toMatchObject({
      replyToMid: TEXT_MID,
      text: "This one please",
    });
    expect(event("ig-message-reply-to-story.json")).toMatchObject({
      replyToStory: { id: "18063212345678901", url: expect.stringContaining("story1012") },
      text: "Love this!",
    });
  });

  it("quick reply payload", () => {
    expect(event("ig-message-quick-reply.json")).toMatchObject({
      text: "Size M",
      quickReplyPayload: "SIZE_M",
    });
  });

  it("referral on a first message: ads (with ad_id) and ig.me links", () => {
    expect(event("ig-message-referral-ads.json")).toMatchObject({
      kind: "message",
      referral: {
        source: "ADS",
        ad_id: "120210987654321098",
        ref: "summer-campaign",
        type: "OPEN_THREAD",
        "ads_context_data.ad_title": "Linen shirts",
        "ads_context_data.post_id": "18012345678901234",
      },
    });
    expect(event("ig-message-referral-shortlink.json")).toMatchObject({
      referral: { source: "SHORTLINKS", ref: "bio", type: "OPEN_THREAD" },
    });
  });

  it("top-level referral (ig.me link opened in an existing thread)", () => {
    expect(event("ig-referral.json")).toEqual({
      ...base,
      kind: "referral",
      timestamp: 1773151750000,
      referral: { ref: "spring-sale", source: "SHORTLINKS", type: "OPEN_THREAD" },
    });
  });

  it("echo: outbound, and the customer is the recipient", () => {
    expect(event("ig-echo.json")).toMatchObject({
      kind: "message",
      direction: "outbound",
      igsid: CUSTOMER,
      igAccountId: ACCOUNT,
      mid: REACT_MID,
    });
  });

  it("an echo belongs to the recipient's conversation even when the sender is not the entry's account id", () => {
    const echoed = normaliseEvent(
      ACCOUNT,
      {
        sender: { id: "26913384755103422" },
        recipient: { id: CUSTOMER },
        timestamp: 7,
        message: { mid: "m-echo", text: "sent from the app", is_echo: true },
      },
      "messaging",
    );
    expect(echoed).toMatchObject({ kind: "message", direction: "outbound", igsid: CUSTOMER });
  });

  it("a story reply keeps a story id of any shape (it is not a key)", () => {
    const reply = normaliseEvent(
      ACCOUNT,
      {
        sender: { id: CUSTOMER },
        recipient: { id: ACCOUNT },
        timestamp: 8,
        message: {
          mid: "m-story",
          text: "wow",
          reply_to: { story: { id: "aGlnaGxpZ2h0OjE3ODQx", url: "https://x" } },
        },
      },
      "messaging",
    );
    expect(reply).toMatchObject({
      kind: "message",
      replyToStory: { id: "aGlnaGxpZ2h0OjE3ODQx", url: "https://x" },
    });
  });

  it("message_edit with num_edit as an integer and as a string", () => {
    expect(event("ig-message-edit.json")).toEqual({
      ...base,
      kind: "message_edit",
      timestamp: 1773151770000,
      mid: TEXT_MID,
      text: "Hi! Do you still have the linen shirt in size L?",
      editCount: 1,
    });
    expect(event("ig-message-edit-string-count.json")).toMatchObject({ kind: "message_edit", editCount: 2 });
  });

  it("unsend (is_deleted) becomes a deletion of that mid", () => {
    expect(event("ig-message-deleted.json")).toEqual({
      ...base,
      kind: "message_deleted",
      timestamp: 1773151790000,
      mid: TEXT_MID,
    });
  });

  it("unsupported message", () => {
    expect(event("ig-message-unsupported.json")).toMatchObject({
      kind: "message",
      unsupported: true,
      attachments: [],
    });
  });

  it("reaction and unreaction, with the reacting party", () => {
    expect(event("ig-reaction.json")).toEqual({
      ...base,
      kind: "reaction",
      timestamp: 1773152126410,
      mid: REACT_MID,
      action: "react",
      reaction: "love",
      emoji: "\u2764\ufe0f",
      actorId: CUSTOMER,
    });
    expect(event("ig-unreact.json")).toMatchObject({
      kind: "reaction",
      action: "unreact",
      actorId: CUSTOMER,
    });
  });

  it("read receipt by mid", () => {
    expect(event("ig-read.json")).toEqual({
      ...base,
      kind: "read",
      timestamp: 1773151810000,
      mid: REACT_MID,
    });
  });

  it("postback", () => {
    expect(event("ig-postback.json")).toMatchObject({
      kind: "postback",
      title: "Track my order",
      payload: "TRACK_ORDER",
    });
  });

  it("postback without mid (an ice breaker or menu tap) is a postback, not malformed", () => {
    const tap = normaliseEvent(
      ACCOUNT,
      {
        sender: { id: CUSTOMER },
        recipient: { id: ACCOUNT },
        timestamp: 1773151820000,
        postback: { title: "Opening hours?", payload: "HOURS" },
      },
      "messaging",
    );
    expect(tap).toEqual({
      ...base,
      kind: "postback",
      timestamp: 1773151820000,
      title: "Opening hours?",
      payload: "HOURS",
    });
  });

  it("opt-in keeps its state but never its token", () => {
    const optin = event("ig-optin.json");
    expect(optin).toMatchObject({
      kind: "optin",
      optin: {
        type: "notification_messages",
        payload: "weekly-deals",
        notification_messages_frequency: "WEEKLY",
        notification_messages_status: "RESUME_NOTIFICATIONS",
        token_expiry_timestamp: "1780000000000",
      },
    });
    expect(JSON.stringify(optin)).not.toContain("FAKEOPTINTOKEN");
  });

  it("events under standby are normalised the same way, marked standby", () => {
    expect(event("ig-standby.json")).toMatchObject({
      kind: "message",
      channel: "standby",
      text: "Are you there?",
    });
  });

  it("the dashboard's Test payload (changes[], field messages) yields no events, only an ignored change", () => {
    const delivery = parseDelivery(fixtureText("ig-dashboard-test.json"));
    expect(delivery.entries).toEqual([{ igAccountId: "0", events: [], ignoredChanges: ["messages"] }]);
  });

  it("an unknown event kind keeps only its field names, never values", () => {
    const unknown = event("ig-unknown-event.json");
    expect(unknown).toEqual({ kind: "unknown", fields: ["message_template_status"], channel: "messaging" });
    expect(JSON.stringify(unknown)).not.toContain("APPROVED");
  });

  it("ids that arrive as JSON numbers keep every digit (above 2^53)", () => {
    const text = fixtureText("ig-numeric-ids.json");
    expect(text).toContain('"id": 17841462871093525');
    expect(String(JSON.parse(text).entry[0].id)).not.toBe("17841462871093525"); // what JSON.parse would do
    const delivery = parseDelivery(text);
    expect(delivery.entries[0]?.igAccountId).toBe("17841462871093525");
    expect(only(delivery)).toMatchObject({ igAccountId: "17841462871093525", igsid: "3416870925138842" });
  });

  it("several entries and events in one delivery, messaging and standby together", () => {
    const body = JSON.stringify({
      object: "instagram",
      entry: [
        {
          id: ACCOUNT,
          time: 1,
          messaging: [
            {
              sender: { id: "1" },
              recipient: { id: ACCOUNT },
              timestamp: 1,
              message: { mid: "m1", text: "a" },
            },
            { sender: { id: "2" }, recipient: { id: ACCOUNT }, timestamp: 2, read: { mid: "m0" } },
          ],
          standby: [
            { sender: { id: "3" }, recipient: { id: ACCOUNT }, timestamp: 3, message: { mid: "m3" } },
          ],
        },
        { id: "17841400000000001", time: 1, messaging: [] },
      ],
    });
    const delivery = parseDelivery(body);
    expect(delivery.entries.map((e) => e.events.map((x) => x.kind))).toEqual([
      ["message", "read", "message"],
      [],
    ]);
  });
});

describe("malformed events never fail the batch; malformed bodies do", () => {
  it("a known kind with a bad shape is reported as malformed with paths only", () => {
    const malformed = normaliseEvent(
      ACCOUNT,
      {
        sender: { id: CUSTOMER },
        recipient: { id: ACCOUNT },
        timestamp: 5,
        message: { text: "secret text" },
      },
      "messaging",
    );
    expect(malformed).toEqual({
      kind: "malformed",
      eventKind: "message",
      paths: ["mid"],
      channel: "messaging",
    });
    expect(normaliseEvent(ACCOUNT, { message: { mid: "x" } }, "messaging")).toMatchObject({
      kind: "malformed",
    });
    expect(normaliseEvent(ACCOUNT, "text", "standby")).toMatchObject({
      kind: "malformed",
      channel: "standby",
    });
    expect(
      normaliseEvent(
        ACCOUNT,
        { sender: { id: "1" }, recipient: { id: ACCOUNT }, timestamp: 5, message: { mid: "a#b" } },
        "messaging",
      ),
    ).toMatchObject({ kind: "malformed", paths: ["mid"] });
  });

  it.each([
    ["not JSON", "{not json"],
    ["truncated JSON", fixtureText("ig-message-text.json").slice(0, 100)],
    ["an array", "[]"],
    ["a string", '"instagram"'],
    ["another object", '{"object":"page","entry":[]}'],
    ["entry not an array", '{"object":"instagram","entry":{}}'],
    ["entry without id", '{"object":"instagram","entry":[{"time":1,"messaging":[]}]}'],
    ["non-numeric entry id", '{"object":"instagram","entry":[{"id":"abc","messaging":[]}]}'],
    ["messaging not an array", `{"object":"instagram","entry":[{"id":"${ACCOUNT}","messaging":{}}]}`],
  ])("%s → webhook.body_invalid", (_name, body) => {
    expect(() => parseDelivery(body)).toThrow(AppError);
    try {
      parseDelivery(body);
    } catch (error) {
      expect((error as AppError).code).toBe("webhook.body_invalid");
    }
  });
});

describe("cdnLinkExpiry", () => {
  it("reads oe as hex epoch seconds; absent or odd values give undefined", () => {
    expect(cdnLinkExpiry("https://x.cdninstagram.com/a.jpg?oe=67D9A1B2")).toBe(0x67d9a1b2 * 1000);
    expect(cdnLinkExpiry("https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1")).toBeUndefined();
    expect(cdnLinkExpiry("not a url")).toBeUndefined();
    expect(cdnLinkExpiry("https://x/a?oe=zz")).toBeUndefined();
  });
});
