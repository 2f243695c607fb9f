import { describe, expect, it } from "vitest";
import type { Conversation } from "../../lambdas/domain/conversation";
import type { InboxReader } from "../../lambdas/domain/inbox/inbox";
import { type SenderAction, setTyping } from "../../lambdas/domain/inbox/sender-actions";
import type { Integration } from "../../lambdas/domain/integration";

const DAY = 24 * 60 * 60 * 1000;
const NOW = 1_800_000_000_000;
const ACCOUNT = "17841462871093525";
const IGSID = "3416870925138842";

const integration = {
  imoId: "org",
  userId: "alice",
  igAccountId: ACCOUNT,
  status: "connected",
  token: { keyId: "k", iv: "i", ciphertext: "c", tag: "t" },
} as unknown as Integration;

/** Typing in one conversation, with Meta's answers recorded. */
async function typingIn(conversation: Conversation): Promise<{ outcome: unknown; actions: SenderAction[] }> {
  const actions: SenderAction[] = [];
  const inbox = {
    integrationOf: async () => integration,
    conversation: async () => conversation,
  } as unknown as InboxReader;
  const outcome = await setTyping(
    {
      inbox,
      meta: {
        act: async ({ action }) => {
          actions.push(action);
          return { ok: true };
        },
      },
      accessToken: () => "IGAA-test-token",
      now: () => NOW,
    },
    { imoId: "org", userId: "alice" },
    `${ACCOUNT}_${IGSID}`,
    true,
  ).catch((error: unknown) => error);
  return { outcome, actions };
}

const base: Conversation = {
  imoId: "org",
  igAccountId: ACCOUNT,
  igsid: IGSID,
  lastActivityAt: NOW,
  unreadCount: 0,
};

describe("typing follows the reply window Meta grants", () => {
  it("an ad-started thread accepts typing on day 3 (7-day window) and refuses it on day 8", async () => {
    const adStarted = (ageMs: number): Conversation => ({
      ...base,
      lastCustomerMessageAt: NOW - ageMs,
      adReferral: { at: NOW - ageMs, referral: { source: "ADS", ad_id: "1" } },
    });
    const day3 = await typingIn(adStarted(3 * DAY));
    expect(day3.outcome).toBeUndefined();
    expect(day3.actions).toEqual(["typing_on"]);

    const day8 = await typingIn(adStarted(8 * DAY));
    expect(day8.outcome).toMatchObject({ code: "send.window_closed" });
    expect(day8.actions).toEqual([]);
  });

  it("a standard thread refuses typing after 24 hours without calling Meta", async () => {
    const { outcome, actions } = await typingIn({
      ...base,
      lastCustomerMessageAt: NOW - 25 * 60 * 60 * 1000,
    });
    expect(outcome).toMatchObject({ code: "send.window_closed" });
    expect(actions).toEqual([]);
  });
});
