import { describe, expect, it } from "vitest";
import {
  AD_REFERRAL_WINDOW_MS,
  replyWindow,
  STANDARD_WINDOW_MS,
  type WindowAnchors,
} from "../../lambdas/domain/conversation";
import { CLOSING_SOON_MS, storedFilter, windowPasses } from "../../lambdas/domain/inbox/inbox";

/** The stored filter must agree with the reply window the list shows, at the exact boundaries. */
function matches(filter: ReturnType<typeof storedFilter>, anchors: WindowAnchors): boolean {
  return filter === undefined || windowPasses(filter, anchors);
}

describe("window filters agree with the reply window", () => {
  const now = Date.parse("2026-06-01T12:00:00.000Z");
  const around = (edge: number) => [edge - 1, edge, edge + 1];
  const customerTimes = [
    undefined,
    now,
    now - 10 * STANDARD_WINDOW_MS,
    ...around(now - (STANDARD_WINDOW_MS - CLOSING_SOON_MS)),
    ...around(now - STANDARD_WINDOW_MS),
  ];
  const adTimes = [
    undefined,
    now - 3 * STANDARD_WINDOW_MS,
    now - 8 * STANDARD_WINDOW_MS,
    ...around(now - (AD_REFERRAL_WINDOW_MS - CLOSING_SOON_MS)),
    ...around(now - AD_REFERRAL_WINDOW_MS),
  ];
  const cases: WindowAnchors[] = customerTimes.flatMap((wrote) =>
    adTimes.map((ad) => ({
      ...(wrote === undefined ? {} : { lastCustomerMessageAt: wrote }),
      ...(ad === undefined ? {} : { adReferralAt: ad }),
    })),
  );

  it("open is exactly the open state; closed exactly the rest; closing the open ones with < 2 h left", () => {
    for (const anchors of cases) {
      const window = replyWindow(anchors, now);
      const open = window.state === "open";
      const label = JSON.stringify(anchors);
      expect(matches(storedFilter({ window: "open" }, now), anchors), label).toBe(open);
      expect(matches(storedFilter({ window: "closed" }, now), anchors), label).toBe(!open);
      const left = window.closesAt === undefined ? Number.POSITIVE_INFINITY : window.closesAt - now;
      expect(matches(storedFilter({ window: "closing" }, now), anchors), label).toBe(
        open && left <= CLOSING_SOON_MS,
      );
    }
  });

  it("an ad-started thread 3 days old is open although its 24-hour window closed long ago", () => {
    const threeDays = now - 3 * STANDARD_WINDOW_MS;
    const anchors = { lastCustomerMessageAt: threeDays, adReferralAt: threeDays };
    expect(matches(storedFilter({ window: "open" }, now), anchors)).toBe(true);
    expect(matches(storedFilter({ window: "closed" }, now), anchors)).toBe(false);
  });

  it("no filter and unread=false are no filter; unread=true asks for unread only", () => {
    expect(storedFilter({}, now)).toBeUndefined();
    expect(storedFilter({ unread: "false" }, now)).toBeUndefined();
    expect(storedFilter({ unread: "true" }, now)).toEqual({ unreadOnly: true });
  });
});
