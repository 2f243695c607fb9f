import { describe, expect, it } from "vitest";
import { messageFromItem } from "../../lambdas/adapters/dynamo/inbox-queries";
import type { MessageEvent, PostbackEvent } from "../../lambdas/domain/webhook/events";
import type { TapLinks } from "../../lambdas/domain/webhook/ports";
import { postbackMessageId, tapOf } from "../../lambdas/domain/webhook/taps";

const ref = { imoId: "org", igAccountId: "17841400000000001", igsid: "3416870925138842" };
const tap: PostbackEvent = {
  ...ref,
  kind: "postback",
  channel: "messaging",
  timestamp: 1_773_200_000_000,
  mid: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUl",
  title: "Yes",
  payload: "BOOK_YES",
};

describe("the id of a postback", () => {
  it("is the same for a redelivery and differs for another tap of the same message", () => {
    expect(postbackMessageId({ ...tap })).toBe(postbackMessageId(tap));
    expect(postbackMessageId(tap)).toMatch(/^tap_1773200000000_[A-Za-z0-9_-]{22}$/);
    const others = [
      { ...tap, timestamp: tap.timestamp + 1 },
      { ...tap, payload: "BOOK_NO" },
      { ...tap, title: "No" },
      { ...tap, igsid: "3416870925138843" },
      { ...tap, igAccountId: "17841400000000002" },
      { ...tap, mid: undefined },
    ];
    const ids = new Set([tap, ...others].map(postbackMessageId));
    expect(ids.size).toBe(others.length + 1);
    for (const id of ids) expect(id).not.toContain("#");
  });
});

describe("what a tap answers", () => {
  const links = (sent: Record<string, string>, offers: Record<string, string>): TapLinks => ({
    sentMessage: async (_ref, mid) => sent[mid],
    latestOffer: async (_ref, payload) => offers[payload],
  });
  const quickReply: MessageEvent = {
    ...ref,
    kind: "message",
    channel: "messaging",
    direction: "inbound",
    timestamp: 1_773_200_000_000,
    mid: "m-qr",
    text: "Large",
    attachments: [],
    unsupported: false,
    quickReplyPayload: "LARGE",
  };

  it("a postback links by its mid only", async () => {
    await expect(tapOf(ref, tap, links({ [tap.mid ?? ""]: "ours" }, { BOOK_YES: "x" }))).resolves.toEqual({
      kind: "postback",
      payload: "BOOK_YES",
      title: "Yes",
      inReplyTo: { messageId: "ours", linkedBy: "mid" },
    });
    // A payload offered elsewhere never links a postback: Meta's mid is the only link it has.
    await expect(tapOf(ref, tap, links({}, { BOOK_YES: "x" }))).resolves.not.toHaveProperty("inReplyTo");
  });

  it("a quick reply links by reply_to.mid first, then by the latest offer of its payload", async () => {
    await expect(
      tapOf(ref, { ...quickReply, replyToMid: "m1" }, links({ m1: "a" }, { LARGE: "b" })),
    ).resolves.toEqual({
      kind: "quick_reply",
      payload: "LARGE",
      title: "Large",
      inReplyTo: { messageId: "a", linkedBy: "mid" },
    });
    await expect(tapOf(ref, quickReply, links({}, { LARGE: "b" }))).resolves.toMatchObject({
      inReplyTo: { messageId: "b", linkedBy: "quick_reply_payload" },
    });
    await expect(tapOf(ref, quickReply, links({}, {}))).resolves.toEqual({
      kind: "quick_reply",
      payload: "LARGE",
      title: "Large",
    });
    await expect(tapOf(ref, quickReply, undefined)).resolves.not.toHaveProperty("inReplyTo");
  });

  it("a message without a quick reply, and an echo, are no taps", async () => {
    const { quickReplyPayload: _, ...plain } = quickReply;
    await expect(tapOf(ref, plain, links({}, {}))).resolves.toBeUndefined();
    await expect(
      tapOf(ref, { ...quickReply, direction: "outbound" }, links({}, {})),
    ).resolves.toBeUndefined();
  });
});

describe("a stored tap read back (the inbox and the events stream read the same item)", () => {
  it("keeps the tap and its link", () => {
    const stored = {
      ...ref,
      entity: "message",
      messageId: "tap_1773200000000_abcdefghijklmnopqrstuv",
      mid: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUl",
      direction: "inbound",
      source: "customer",
      sentAt: 1_773_200_000_000,
      text: "Yes",
      postbackPayload: "BOOK_YES",
      tap: {
        kind: "postback",
        payload: "BOOK_YES",
        title: "Yes",
        inReplyTo: { messageId: "0b6f9a4e-7f3c-4c55-9d55-2f0c8f1e6a01", linkedBy: "mid" },
      },
    };
    expect(messageFromItem(stored)?.tap).toEqual(stored.tap);
    // A tap of a kind this reader does not know is dropped; the message itself is still shown.
    const unknown = messageFromItem({ ...stored, tap: { ...stored.tap, kind: "swipe" } });
    expect(unknown).toMatchObject({ messageId: stored.messageId, text: "Yes" });
    expect(unknown).not.toHaveProperty("tap");
  });
});
