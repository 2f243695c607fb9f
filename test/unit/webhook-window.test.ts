import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Conversation } from "../../lambdas/domain/conversation";
import {
  applyEffect,
  type ConversationEffect,
  combineEffects,
  messageEffect,
  messagePreview,
  opensWindow,
} from "../../lambdas/domain/webhook/conversation-effect";
import type { MessageEvent, PostbackEvent } from "../../lambdas/domain/webhook/events";

const KEY = { imoId: "imo-1", igAccountId: "17841462871093525", igsid: "3416870925138842" };

function message(direction: "inbound" | "outbound", timestamp: number, text = "hi"): MessageEvent {
  return {
    ...KEY,
    kind: "message",
    channel: "messaging",
    direction,
    timestamp,
    mid: `m-${direction}-${timestamp}`,
    text,
    attachments: [],
    unsupported: false,
  };
}

describe("which events open or refresh the reply window", () => {
  it("customer messages and postbacks do; echoes never do", () => {
    const postback: PostbackEvent = {
      ...KEY,
      kind: "postback",
      channel: "messaging",
      timestamp: 1,
      mid: "p",
    };
    expect(opensWindow(message("inbound", 1))).toBe(true);
    expect(opensWindow(postback)).toBe(true);
    expect(opensWindow(message("outbound", 1))).toBe(false);
    expect(messageEffect(message("outbound", 1))).toMatchObject({ opensWindow: false, unreadIncrement: 0 });
    expect(messageEffect(message("inbound", 1))).toMatchObject({ opensWindow: true, unreadIncrement: 1 });
  });
});

describe("conversation effects: the window and activity only move forward", () => {
  const fold = (effects: readonly ConversationEffect[]) =>
    effects.reduce<Conversation | undefined>(
      (conversation, effect) => applyEffect(conversation, KEY, effect),
      undefined,
    );

  it("an older customer message arriving late does not shrink the window or change the preview", () => {
    const newer = messageEffect(message("inbound", 2_000, "newer"));
    const older = messageEffect(message("inbound", 1_000, "older"));
    const result = fold([newer, older]);
    expect(result).toMatchObject({
      lastCustomerMessageAt: 2_000,
      lastActivityAt: 2_000,
      lastMessagePreview: "newer",
      unreadCount: 2,
    });
  });

  it("an echo moves activity but never the window", () => {
    const result = fold([
      messageEffect(message("inbound", 1_000)),
      messageEffect(message("outbound", 5_000, "reply")),
    ]);
    expect(result).toMatchObject({
      lastCustomerMessageAt: 1_000,
      lastActivityAt: 5_000,
      lastMessageDirection: "outbound",
      lastMessagePreview: "reply",
      unreadCount: 1,
    });
  });

  it("an older customer message still moves the window past an older anchor, under newer business activity", () => {
    const result = fold([
      messageEffect(message("inbound", 1_000)),
      messageEffect(message("outbound", 5_000)),
      messageEffect(message("inbound", 3_000)),
    ]);
    expect(result).toMatchObject({
      lastCustomerMessageAt: 3_000,
      lastActivityAt: 5_000,
      lastMessageDirection: "outbound",
    });
  });

  it("any order of the same messages gives the same conversation (property)", () => {
    const effectArb = fc
      .tuple(fc.boolean(), fc.integer({ min: 1, max: 1_000_000 }))
      .map(([inbound, at]) => messageEffect(message(inbound ? "inbound" : "outbound", at, `t${at}`)));
    fc.assert(
      fc.property(
        fc.uniqueArray(effectArb, { minLength: 1, maxLength: 12, selector: (e) => e.at }),
        fc.func(fc.integer()),
        (effects, rank) => {
          const shuffled = [...effects].sort((a, b) => rank(a.at) - rank(b.at) || a.at - b.at);
          const inOrder = fold([...effects].sort((a, b) => a.at - b.at));
          expect(fold(shuffled)).toEqual(inOrder);
          const customer = effects.filter((e) => e.opensWindow).map((e) => e.at);
          expect(inOrder?.lastCustomerMessageAt).toBe(
            customer.length === 0 ? undefined : Math.max(...customer),
          );
          expect(inOrder?.lastActivityAt).toBe(Math.max(...effects.map((e) => e.at)));
        },
      ),
    );
  });
});

describe("combined effects (several new messages written in one transaction)", () => {
  const fold = (start: Conversation | undefined, effects: readonly ConversationEffect[]) =>
    effects.reduce<Conversation | undefined>(
      (conversation, effect) => applyEffect(conversation, KEY, effect),
      start,
    );

  it("applying the combination equals applying each, on any starting conversation (property)", () => {
    const effectArb = fc
      .tuple(fc.boolean(), fc.integer({ min: 1, max: 1_000_000 }))
      .map(([inbound, at]) => messageEffect(message(inbound ? "inbound" : "outbound", at, `t${at}`)));
    fc.assert(
      fc.property(
        fc.uniqueArray(effectArb, { minLength: 0, maxLength: 6, selector: (e) => e.at }),
        fc.uniqueArray(effectArb, { minLength: 1, maxLength: 8, selector: (e) => e.at }),
        (before, batch) => {
          const taken = new Set(before.map((e) => e.at));
          const fresh = batch.filter((e) => !taken.has(e.at));
          fc.pre(fresh.length > 0);
          const start = fold(undefined, before);
          expect(fold(start, [combineEffects(fresh)])).toEqual(fold(start, fresh));
        },
      ),
    );
  });
});

describe("previews", () => {
  it("text, else the first attachment's kind, else unsupported; long texts are cut without splitting emoji", () => {
    expect(messagePreview({ text: "hello", attachments: [], unsupported: false })).toBe("hello");
    expect(messagePreview({ attachments: [{ type: "image" }, { type: "video" }], unsupported: false })).toBe(
      "[image] +1",
    );
    expect(messagePreview({ attachments: [], unsupported: true })).toBe("[unsupported]");
    const long = messagePreview({ text: "😀".repeat(150), attachments: [], unsupported: false });
    expect([...long]).toHaveLength(100);
    expect(long.endsWith("…")).toBe(true);
    expect(long.startsWith("😀")).toBe(true);
  });
});
