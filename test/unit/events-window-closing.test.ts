import { describe, expect, it } from "vitest";
import { WINDOW_CLOSING_LEAD_MS } from "../../lambdas/contract/events";
import { deriveEvents } from "../../lambdas/domain/events/derive";
import {
  detectorAction,
  indexChange,
  pendingWindow,
  type WindowWatch,
  windowShard,
} from "../../lambdas/domain/events/window-closing";
import { messageView } from "../../lambdas/http/inbox-bodies";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T = Date.UTC(2026, 2, 10, 12);
const waiting: WindowWatch = {
  imoId: "imo-1",
  igAccountId: "17841462871093525",
  igsid: "3416870925138842",
  lastActivityAt: T,
  lastMessageDirection: "inbound",
  lastCustomerMessageAt: T,
};

describe("which window waits for an answer", () => {
  it("an unanswered customer message: its 24-hour window", () => {
    expect(pendingWindow(waiting)).toEqual({ closesAt: T + DAY, kind: "standard", lastCustomerMessageAt: T });
  });

  it("answered (our message is the last), never written, or already announced: none", () => {
    expect(pendingWindow({ ...waiting, lastMessageDirection: "outbound" })).toBeUndefined();
    expect(pendingWindow({ ...waiting, lastCustomerMessageAt: undefined })).toBeUndefined();
    expect(pendingWindow({ ...waiting, notifiedFor: T + DAY })).toBeUndefined();
  });

  it("an ad-started thread: 7 days from its first message while that ends later", () => {
    expect(pendingWindow({ ...waiting, adReferralAt: T - HOUR })).toMatchObject({
      closesAt: T - HOUR + 7 * DAY,
      kind: "ad_referral",
    });
    expect(pendingWindow({ ...waiting, adReferralAt: T - 7 * DAY })).toMatchObject({ kind: "standard" });
  });
});

describe("the index's upkeep from a conversation write", () => {
  it("adds an unanswered conversation once, removes it when answered, leaves a moved window alone", () => {
    expect(indexChange(waiting, T)).toEqual({ add: T + DAY });
    expect(indexChange({ ...waiting, indexedEnd: T + DAY }, T)).toBeUndefined();
    expect(indexChange({ ...waiting, lastMessageDirection: "outbound", indexedEnd: T + DAY }, T)).toBe(
      "remove",
    );
    expect(
      indexChange({ ...waiting, lastCustomerMessageAt: T + HOUR, indexedEnd: T + DAY }, T),
    ).toBeUndefined();
    // A write committed after the window closed (a late delivery): nothing to wait for.
    expect(indexChange(waiting, T + DAY)).toBeUndefined();
  });
});

describe("the detector's decision", () => {
  it("announces within the lead time, moves a later window, drops answered, closed and erased ones", () => {
    const near = T + DAY - WINDOW_CLOSING_LEAD_MS + 1;
    expect(detectorAction(waiting, near)).toMatchObject({ kind: "announce", window: { closesAt: T + DAY } });
    expect(detectorAction(waiting, T)).toEqual({ kind: "move", closesAt: T + DAY });
    expect(detectorAction({ ...waiting, lastMessageDirection: "outbound" }, near)).toMatchObject({
      kind: "drop",
    });
    expect(detectorAction(waiting, T + DAY)).toEqual({ kind: "drop", reason: "closed" });
    expect(detectorAction(undefined, near)).toEqual({ kind: "drop", reason: "gone" });
  });

  it("spreads conversations over the shards, the same shard every time", () => {
    const shards = new Set(Array.from({ length: 64 }, (_, i) => windowShard(`CONV#imo#acct#${i}`, 4)));
    expect(shards).toEqual(new Set([0, 1, 2, 3]));
    expect(windowShard("CONV#a", 4)).toBe(windowShard("CONV#a", 4));
  });
});

describe("the event comes from the marker's write, and only from it", () => {
  const change = (old: WindowWatch | undefined, next: WindowWatch) => ({
    key: { pk: "CONV#imo-1#17841462871093525#3416870925138842", sk: "CONV" },
    sequence: "100",
    committedAt: T + DAY - HOUR,
    ...(old ? { old: { kind: "conversation" as const, watch: old } } : {}),
    new: { kind: "conversation" as const, watch: next },
  });

  it("marker set → one window_closing; any other conversation write → nothing", () => {
    const [event, ...rest] = deriveEvents(change(waiting, { ...waiting, notifiedFor: T + DAY }), messageView);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      type: "conversation.window_closing",
      imoId: "imo-1",
      data: {
        conversationId: "17841462871093525_3416870925138842",
        closesAt: new Date(T + DAY).toISOString(),
        lastCustomerMessageAt: new Date(T).toISOString(),
        windowKind: "standard",
      },
    });
    const marked = { ...waiting, notifiedFor: T + DAY };
    expect(deriveEvents(change(marked, { ...marked, lastActivityAt: T + 1 }), messageView)).toEqual([]);
    expect(deriveEvents(change(waiting, { ...waiting, indexedEnd: T + DAY }), messageView)).toEqual([]);
  });
});
