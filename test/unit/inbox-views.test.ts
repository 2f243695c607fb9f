import { describe, expect, it } from "vitest";
import { ConversationSummary, MessageView } from "../../lambdas/contract/api/conversations";
import { HUMAN_AGENT_WINDOW_MS, STANDARD_WINDOW_MS } from "../../lambdas/domain/conversation";
import type { MessageRecord } from "../../lambdas/domain/message";
import { conversationView, messageView } from "../../lambdas/http/inbox-bodies";

const NOW = Date.parse("2026-05-01T10:00:00.000Z");
const base = {
  imoId: "org",
  igAccountId: "17841400000000001",
  igsid: "123456789012345678901",
  unreadCount: 3,
};

describe("conversation view", () => {
  it.each([
    [1, "open"],
    [STANDARD_WINDOW_MS - 1, "open"],
    [STANDARD_WINDOW_MS, "human_agent_only"],
    [HUMAN_AGENT_WINDOW_MS - 1, "human_agent_only"],
    [HUMAN_AGENT_WINDOW_MS, "closed"],
  ])("a customer message %d ms ago: %s", (age, state) => {
    const view = conversationView(
      { ...base, lastActivityAt: NOW - age, lastCustomerMessageAt: NOW - age },
      NOW,
    );
    expect(ConversationSummary.parse(view)).toEqual(view);
    expect(view.window).toEqual({
      state,
      kind: "standard",
      closesAt: new Date(NOW - age + STANDARD_WINDOW_MS).toISOString(),
      humanAgentClosesAt: new Date(NOW - age + HUMAN_AGENT_WINDOW_MS).toISOString(),
    });
    expect(view.conversationId).toBe(`${base.igAccountId}_${base.igsid}`);
    expect(view.participant).toEqual({ igsid: base.igsid });
  });

  it("without a customer message the window is closed with no times", () => {
    const view = conversationView({ ...base, lastActivityAt: NOW }, NOW);
    expect(view.window).toEqual({ state: "closed", kind: "standard" });
    expect(view).not.toHaveProperty("lastMessagePreview");
  });
});

describe("message view", () => {
  const stored: MessageRecord = {
    imoId: "org",
    igAccountId: base.igAccountId,
    igsid: base.igsid,
    messageId: "aWdfZAG1",
    mid: "aWdfZAG1",
    direction: "inbound",
    source: "customer",
    sentAt: NOW,
    text: "hi",
  };

  it("never shows the content of an unsent message", () => {
    const view = messageView({
      ...stored,
      deleted: true,
      attachments: [{ type: "image", url: "https://x" }],
    });
    expect(view).toMatchObject({ type: "deleted", deleted: true });
    expect(view).not.toHaveProperty("text");
    expect(view).not.toHaveProperty("attachments");
  });

  it("keeps to the documented shape and drops tenant internals", () => {
    const view = messageView({ ...stored, userId: "agent", tag: "HUMAN_AGENT", referral: { source: "ADS" } });
    expect(MessageView.strict().parse(view)).toEqual(view);
    expect(view).not.toHaveProperty("imoId");
    expect(view).not.toHaveProperty("userId");
  });

  it("lists live reactions only, and shows media link expiry and postback payloads", () => {
    const view = messageView({
      ...stored,
      text: "Yes please",
      postbackPayload: "BOOK_YES",
      attachments: [{ type: "image", url: "https://cdn.example/a.jpg", urlExpiresAt: NOW + 3600_000 }],
      reactions: {
        "111": { reaction: "love", emoji: "❤️", at: NOW },
        "222": { reaction: "like", at: NOW + 5, removed: true },
      },
    });
    expect(view.reactions).toEqual([
      { by: "111", reaction: "love", emoji: "❤️", at: new Date(NOW).toISOString() },
    ]);
    expect(view.attachments).toEqual([
      {
        type: "image",
        url: "https://cdn.example/a.jpg",
        urlExpiresAt: new Date(NOW + 3600_000).toISOString(),
      },
    ]);
    expect(view).toMatchObject({ type: "attachment", postbackPayload: "BOOK_YES" });
    expect(MessageView.strict().parse(view)).toEqual(view);
  });

  it("shows a tap and the message it answers, never the link inside `tap`", () => {
    const view = messageView({
      ...stored,
      text: "Large",
      quickReplyPayload: "LARGE",
      tap: {
        kind: "quick_reply",
        payload: "LARGE",
        title: "Large",
        inReplyTo: { messageId: "0b6f9a4e-7f3c-4c55-9d55-2f0c8f1e6a01", linkedBy: "quick_reply_payload" },
      },
    });
    expect(view).toMatchObject({
      tap: { kind: "quick_reply", payload: "LARGE", title: "Large" },
      inReplyTo: { messageId: "0b6f9a4e-7f3c-4c55-9d55-2f0c8f1e6a01", linkedBy: "quick_reply_payload" },
    });
    expect(view.tap).not.toHaveProperty("inReplyTo");
    expect(MessageView.strict().parse(view)).toEqual(view);
    // An unlinked tap has no inReplyTo at all.
    const unlinked = messageView({ ...stored, tap: { kind: "postback", payload: "HOURS" } });
    expect(unlinked).not.toHaveProperty("inReplyTo");
    expect(unlinked.tap).toEqual({ kind: "postback", payload: "HOURS" });
  });
});
