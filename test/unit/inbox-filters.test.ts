import { describe, expect, it } from "vitest";
import { replyWindow, STANDARD_WINDOW_MS } from "../../lambdas/domain/conversation";
import { CLOSING_SOON_MS, type StoredFilter, storedFilter } from "../../lambdas/domain/inbox/inbox";

/** The stored filter must agree with the reply window the list shows, at the exact boundaries. */
function matches(filter: StoredFilter | undefined, lastCustomerMessageAt: number | undefined): boolean {
  if (filter === undefined) return true;
  if (filter.customerWroteAfter !== undefined) {
    if (lastCustomerMessageAt === undefined || !(lastCustomerMessageAt > filter.customerWroteAfter))
      return false;
  }
  if (filter.customerWroteAtOrBefore !== undefined && lastCustomerMessageAt !== undefined) {
    if (!(lastCustomerMessageAt <= filter.customerWroteAtOrBefore)) return false;
  }
  return true;
}

describe("window filters agree with the reply window", () => {
  const now = Date.parse("2026-06-01T12:00:00.000Z");
  const times = [
    undefined,
    now,
    now - 1,
    now - (STANDARD_WINDOW_MS - CLOSING_SOON_MS),
    now - (STANDARD_WINDOW_MS - CLOSING_SOON_MS) + 1,
    now - (STANDARD_WINDOW_MS - CLOSING_SOON_MS) - 1,
    now - STANDARD_WINDOW_MS + 1,
    now - STANDARD_WINDOW_MS,
    now - STANDARD_WINDOW_MS - 1,
    now - 10 * STANDARD_WINDOW_MS,
  ];

  it("open is exactly the open state; closed exactly the rest; closing the open ones with < 2 h left", () => {
    for (const at of times) {
      const window = replyWindow(at, now);
      const open = window.state === "open";
      expect(matches(storedFilter({ window: "open" }, now), at)).toBe(open);
      expect(matches(storedFilter({ window: "closed" }, now), at)).toBe(!open);
      const left = window.closesAt === undefined ? Number.POSITIVE_INFINITY : window.closesAt - now;
      expect(matches(storedFilter({ window: "closing" }, now), at)).toBe(open && left <= CLOSING_SOON_MS);
    }
  });

  it("no filter and unread=false are no filter; unread=true asks for unread only", () => {
    expect(storedFilter({}, now)).toBeUndefined();
    expect(storedFilter({ unread: "false" }, now)).toBeUndefined();
    expect(storedFilter({ unread: "true" }, now)).toEqual({ unreadOnly: true });
  });
});
