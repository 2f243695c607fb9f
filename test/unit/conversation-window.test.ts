import { describe, expect, it } from "vitest";
import {
  canReply,
  conversationId,
  HUMAN_AGENT_WINDOW_MS,
  parseConversationId,
  replyWindow,
  STANDARD_WINDOW_MS,
} from "../../lambdas/domain/conversation";

const t0 = Date.UTC(2026, 0, 1);

describe("reply window", () => {
  it("is open until just before 24 hours, then human-agent-only until just before 7 days, then closed", () => {
    expect(replyWindow(t0, t0 + STANDARD_WINDOW_MS - 1).state).toBe("open");
    expect(replyWindow(t0, t0 + STANDARD_WINDOW_MS).state).toBe("human_agent_only");
    expect(replyWindow(t0, t0 + HUMAN_AGENT_WINDOW_MS - 1).state).toBe("human_agent_only");
    expect(replyWindow(t0, t0 + HUMAN_AGENT_WINDOW_MS).state).toBe("closed");
    expect(replyWindow(t0, t0)).toEqual({
      state: "open",
      kind: "standard",
      closesAt: t0 + STANDARD_WINDOW_MS,
      humanAgentClosesAt: t0 + HUMAN_AGENT_WINDOW_MS,
    });
  });

  it("is closed when the customer never wrote", () => {
    expect(replyWindow(undefined, t0)).toEqual({ state: "closed", kind: "standard" });
  });

  it("allows HUMAN_AGENT replies only in the human-agent window", () => {
    const late = replyWindow(t0, t0 + STANDARD_WINDOW_MS + 1);
    expect(canReply(late, undefined)).toBe(false);
    expect(canReply(late, "HUMAN_AGENT")).toBe(true);
    expect(canReply(replyWindow(t0, t0 + HUMAN_AGENT_WINDOW_MS), "HUMAN_AGENT")).toBe(false);
  });
});

describe("conversation id", () => {
  it("round-trips ids larger than 2^53 as strings", () => {
    const id = conversationId("17841462871093525", "3416870925138842");
    expect(parseConversationId(id)).toEqual({ igAccountId: "17841462871093525", igsid: "3416870925138842" });
  });

  it("rejects anything else", () => {
    for (const bad of ["", "1_", "_1", "a_1", "1_2_3", "1#2_3"])
      expect(parseConversationId(bad)).toBeUndefined();
  });
});

describe("the ad window (a thread started from a Click-to-Direct ad)", () => {
  const t0 = Date.UTC(2026, 0, 1);
  const day = 86_400_000;
  it("is open for 7 days from the ad's first message, then falls back to the standard rules", () => {
    const anchors = { lastCustomerMessageAt: t0, adReferralAt: t0 };
    expect(replyWindow(anchors, t0 + 3 * day)).toMatchObject({
      state: "open",
      kind: "ad_referral",
      closesAt: t0 + 7 * day,
    });
    expect(replyWindow(anchors, t0 + 7 * day - 1).state).toBe("open");
    expect(replyWindow(anchors, t0 + 7 * day).state).toBe("closed");
    expect(replyWindow(anchors, t0 + 8 * day).state).toBe("closed");
  });
  it("a later customer message whose 24 hours outlast the ad window makes the standard window the one shown", () => {
    const anchors = { lastCustomerMessageAt: t0 + 6.5 * day, adReferralAt: t0 };
    expect(replyWindow(anchors, t0 + 7 * day)).toMatchObject({ state: "open", kind: "standard" });
  });
});
