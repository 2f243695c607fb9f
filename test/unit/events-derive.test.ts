import { describe, expect, it } from "vitest";
import { AppEvent } from "../../lambdas/contract/events";
import { deriveEvents, type StoredChange, type StoredEntity } from "../../lambdas/domain/events/derive";
import type { MessageRecord } from "../../lambdas/domain/message";
import { messageView } from "../../lambdas/http/inbox-bodies";

const inbound: MessageRecord = {
  imoId: "imo-1",
  igAccountId: "17841400000000001",
  igsid: "3416870925138842",
  messageId: "mid-1",
  mid: "mid-1",
  direction: "inbound",
  source: "customer",
  sentAt: 1_773_151_542_491,
  text: "Hello",
  reactions: {},
};
const outbound: MessageRecord = {
  ...inbound,
  messageId: "0b6f3a52-0000-4000-8000-000000000001",
  mid: undefined,
  direction: "outbound",
  source: "api",
  status: "queued",
  userId: "user-1",
};
const msg = (message: MessageRecord): StoredEntity => ({ kind: "message", message });
const integration = (status: string): StoredEntity => ({
  kind: "integration",
  imoId: "imo-1",
  userId: "user-1",
  igAccountId: "17841400000000001",
  status,
});

function change(
  old: StoredEntity | undefined,
  next: StoredEntity | undefined,
  sequence = "100",
): StoredChange {
  return {
    key: { pk: "PK", sk: "SK" },
    sequence,
    committedAt: 1_773_151_600_000,
    ...(old ? { old } : {}),
    ...(next ? { new: next } : {}),
  };
}
const derive = (c: StoredChange) => deriveEvents(c, messageView);
const types = (c: StoredChange) => derive(c).map((event) => event.type);

describe("deriveEvents: (old image, new image) → events", () => {
  it("a new customer message is received, with the API's view of it; every event matches its schema", () => {
    const [event] = derive(change(undefined, msg(inbound)));
    expect(event).toMatchObject({
      type: "message.received",
      specVersion: 1,
      imoId: "imo-1",
      occurredAt: "2026-03-10T14:06:40.000Z",
      data: {
        igAccountId: "17841400000000001",
        conversationId: "17841400000000001_3416870925138842",
        messageId: "mid-1",
        message: { type: "text", text: "Hello", sentAt: "2026-03-10T14:05:42.491Z" },
      },
    });
    expect(AppEvent.safeParse(event).success).toBe(true);
  });

  it("a message merged into a pending item (an edit that came first) is received", () => {
    expect(types(change({ kind: "other" }, msg({ ...inbound, editCount: 1, text: "Edited" })))).toEqual([
      "message.received",
    ]);
  });

  it("echoes and rewrites of the same message are not received again", () => {
    expect(types(change(undefined, msg({ ...inbound, direction: "outbound", source: "echo" })))).toEqual([]);
    expect(types(change(msg(inbound), msg({ ...inbound })))).toEqual([]);
  });

  it("edits, unsends, reactions (and unreactions) and reads are message.changed with what changed", () => {
    const changesOf = (before: MessageRecord, after: MessageRecord) =>
      derive(change(msg(before), msg(after))).flatMap((event) =>
        event.type === "message.changed" ? [event.data.changes] : [],
      );
    expect(changesOf(inbound, { ...inbound, text: "Hi", editCount: 1, editedAt: 5 })).toEqual([["edited"]]);
    expect(changesOf({ ...inbound, editCount: 1 }, { ...inbound, text: undefined, deleted: true })).toEqual([
      ["unsent"],
    ]);
    const reacted = { ...inbound, reactions: { "17841400000000001": { reaction: "love", at: 5 } } };
    expect(changesOf(inbound, reacted)).toEqual([["reaction"]]);
    const unreacted = {
      ...inbound,
      reactions: { "17841400000000001": { reaction: "love", at: 6, removed: true } },
    };
    expect(changesOf(reacted, unreacted)).toEqual([["reaction"]]);
    expect(changesOf(outbound, { ...outbound, readAt: 9 })).toEqual([["seen"]]);
    expect(changesOf(inbound, { ...inbound, editCount: 1, readAt: 9 })).toEqual([["edited", "seen"]]);
  });

  it("an unsent message's event carries no content", () => {
    const [event] = derive(change(msg(inbound), msg({ ...inbound, text: undefined, deleted: true })));
    expect(event?.type === "message.changed" && event.data.message).toMatchObject({ type: "deleted" });
    expect(JSON.stringify(event)).not.toContain("Hello");
  });

  it("API messages: every status move is one status_changed, with the previous status and a failure reason", () => {
    const moves = [
      [undefined, "queued"],
      ["queued", "sending"],
      ["sending", "sent"],
      ["sending", "queued"],
    ] as const;
    for (const [from, to] of moves) {
      const before = from === undefined ? undefined : msg({ ...outbound, status: from });
      const [event] = derive(change(before, msg({ ...outbound, status: to })));
      expect(event).toMatchObject({
        type: "message.status_changed",
        userId: "user-1",
        data: { status: to, ...(from ? { previousStatus: from } : {}) },
      });
      expect(event?.type === "message.status_changed" && event.data.previousStatus).toBe(from ?? undefined);
    }
    const [failed] = derive(
      change(msg(outbound), msg({ ...outbound, status: "failed", failureReason: "window_closed" })),
    );
    expect(failed?.type === "message.status_changed" && failed.data.failureReason).toBe("window_closed");
    expect(types(change(msg(outbound), msg({ ...outbound, attempts: 2 } as MessageRecord)))).toEqual([]);
  });

  it("an integration: any status change (today's and future ones), its creation and its removal; nothing else", () => {
    expect(types(change(undefined, integration("connected")))).toEqual(["integration.status_changed"]);
    expect(types(change(integration("connected"), integration("connected")))).toEqual([]);
    const [restricted] = derive(change(integration("connected"), integration("restricted")));
    expect(restricted?.data).toEqual({
      igAccountId: "17841400000000001",
      status: "restricted",
      previousStatus: "connected",
    });
    const [removed] = derive(change(integration("revoked"), undefined));
    expect(removed?.data).toMatchObject({ status: "removed", previousStatus: "revoked" });
    expect(JSON.stringify(removed)).not.toMatch(/token/i);
  });

  it("a data deletion is announced once, when it completes", () => {
    const pending: StoredEntity = { kind: "data_deletion", code: "C1", status: "pending" };
    const completed: StoredEntity = { kind: "data_deletion", code: "C1", status: "completed" };
    expect(types(change(undefined, pending))).toEqual([]);
    expect(types(change(pending, completed))).toEqual(["data_deletion.completed"]);
    expect(types(change(completed, completed))).toEqual([]);
  });

  it("other items (pending messages, conversations, claims, limiter) are never events", () => {
    expect(types(change(undefined, { kind: "other" }))).toEqual([]);
    expect(types(change({ kind: "other" }, undefined))).toEqual([]);
    expect(types(change(msg(inbound), undefined))).toEqual([]);
  });

  it("ids are deterministic: the same change (a redelivery) gives the same id; another sequence, another id", () => {
    const first = derive(change(undefined, msg(inbound), "100"))[0]?.id;
    expect(derive(change(undefined, msg(inbound), "100"))[0]?.id).toBe(first);
    expect(derive(change(undefined, msg(inbound), "101"))[0]?.id).not.toBe(first);
    expect(first).toMatch(/^evt_[0-9a-f]{32}$/);
    // Two events of one change (status + seen) still differ.
    const both = derive(change(msg(outbound), msg({ ...outbound, status: "sent", readAt: 1 })));
    expect(new Set(both.map((event) => event.id)).size).toBe(2);
  });
});
