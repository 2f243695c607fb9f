import { createHash } from "node:crypto";
import { isoTime } from "../../contract/api/common";
import type { MessageViewBody } from "../../contract/api/conversations";
import {
  type AppEvent,
  type AppEventOf,
  EVENT_SCHEMA_VERSION,
  type EventType,
  type MessageChange,
} from "../../contract/events";
import { conversationId } from "../conversation";
import type { MessageRecord } from "../message";
import { announcedWindow, type WindowWatch } from "./window-closing";

/** A stored item as the events function sees it, already read from its image by the stream adapter. */
export type StoredEntity =
  | { readonly kind: "message"; readonly message: MessageRecord }
  | {
      readonly kind: "integration";
      readonly imoId: string;
      readonly userId: string;
      readonly igAccountId: string;
      readonly status: string;
    }
  | {
      readonly kind: "data_deletion";
      readonly code: string;
      readonly status: string;
      readonly erased?: { integrations: number; conversations: number; messages: number };
    }
  /** A conversation: only its once-per-window marker is an event (`conversation.window_closing`). */
  | { readonly kind: "conversation"; readonly watch: WindowWatch }
  /** Anything else (pending messages, claims, limiter…): never an event by itself. */
  | { readonly kind: "other" };

/** One committed write: the item before and after (absent when created / deleted), and its place in the log. */
export interface StoredChange {
  readonly key: { readonly pk: string; readonly sk: string };
  /** The stream record's sequence number: the same on every redelivery of this change. */
  readonly sequence: string;
  /** Epoch ms at which the write committed. */
  readonly committedAt: number;
  readonly old?: StoredEntity;
  readonly new?: StoredEntity;
}

/** Renders a stored message as the app API shows it (lambdas/http/inbox-bodies.ts `messageView`). */
export type MessageViewer = (message: MessageRecord) => MessageViewBody;

/** A deterministic event id: the item key, the change's sequence number and the event type, hashed. */
export function eventId(...parts: readonly string[]): string {
  return `evt_${createHash("sha256").update(parts.join("\n"), "utf8").digest("hex").slice(0, 32)}`;
}

function base<T extends EventType>(type: T, change: StoredChange, imoId: string, userId?: string) {
  return {
    specVersion: EVENT_SCHEMA_VERSION,
    id: eventId(change.key.pk, change.key.sk, change.sequence, type),
    type,
    occurredAt: isoTime(change.committedAt),
    imoId,
    ...(userId === undefined ? {} : { userId }),
  };
}

/**
 * The events one committed write means, in a fixed order. Pure: the same change always yields the same
 * events with the same ids, so a redelivered stream record publishes duplicates EventBridge consumers can
 * drop by id, and nothing that was not written is ever announced.
 */
export function deriveEvents(change: StoredChange, view: MessageViewer): AppEvent[] {
  const before = change.old;
  const after = change.new;
  if (after?.kind === "message") {
    return messageEvents(
      change,
      before?.kind === "message" ? before.message : undefined,
      after.message,
      view,
    );
  }
  if (after?.kind === "integration" || (after === undefined && before?.kind === "integration")) {
    return integrationEvents(change, before?.kind === "integration" ? before : undefined, after);
  }
  if (after?.kind === "conversation") {
    return windowClosingEvents(
      change,
      before?.kind === "conversation" ? before.watch : undefined,
      after.watch,
    );
  }
  if (after?.kind === "data_deletion" && after.status === "completed") {
    if (before?.kind === "data_deletion" && before.status === "completed") return [];
    const event: AppEventOf<"data_deletion.completed"> = {
      // A Meta data deletion request names a person, not an organisation: it spans them all.
      ...base("data_deletion.completed", change, "*"),
      data: { confirmationCode: after.code, ...(after.erased ? { erased: after.erased } : {}) },
    };
    return [event];
  }
  return [];
}

function messageEvents(
  change: StoredChange,
  before: MessageRecord | undefined,
  after: MessageRecord,
  view: MessageViewer,
): AppEvent[] {
  const ids = {
    igAccountId: after.igAccountId,
    conversationId: conversationId(after.igAccountId, after.igsid),
    messageId: after.messageId,
  };
  const events: AppEvent[] = [];
  // A message item appearing (new, or merged into a pending edit/reaction that arrived first) is a receipt.
  if (before === undefined && after.source === "customer" && after.direction === "inbound") {
    events.push({
      ...base("message.received", change, after.imoId, after.userId),
      data: { ...ids, message: view(after) },
    });
  }
  if (after.status !== undefined && after.status !== before?.status) {
    events.push({
      ...base("message.status_changed", change, after.imoId, after.userId),
      data: {
        ...ids,
        status: after.status,
        ...(before?.status === undefined ? {} : { previousStatus: before.status }),
        ...(after.status === "failed" && after.failureReason ? { failureReason: after.failureReason } : {}),
      },
    });
  }
  const changes = before === undefined ? [] : messageChanges(before, after);
  if (changes.length > 0) {
    events.push({
      ...base("message.changed", change, after.imoId, after.userId),
      data: { ...ids, changes, message: view(after) },
    });
  }
  return events;
}

/** What changed between two versions of a message, as the app cares about it. */
export function messageChanges(before: MessageRecord, after: MessageRecord): MessageChange[] {
  const changes: MessageChange[] = [];
  const unsent = after.deleted === true && before.deleted !== true;
  // An unsend clears the content (and its edit history): that is the unsend, not an edit.
  if (!unsent && (after.editCount ?? 0) > (before.editCount ?? 0)) changes.push("edited");
  if (unsent) changes.push("unsent");
  if (reactionsKey(before) !== reactionsKey(after)) changes.push("reaction");
  if (after.readAt !== undefined && after.readAt !== before.readAt) changes.push("seen");
  return changes;
}

/** Reactions compared by content, independent of key order (DynamoDB maps carry none). */
function reactionsKey(message: MessageRecord): string {
  const entries = Object.entries(message.reactions ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(
    entries.map(([by, r]) => [by, r.reaction, r.emoji ?? null, r.at, r.removed === true] as const),
  );
}

type IntegrationEntity = Extract<StoredEntity, { kind: "integration" }>;

function integrationEvents(
  change: StoredChange,
  before: IntegrationEntity | undefined,
  after: IntegrationEntity | undefined,
): AppEvent[] {
  const subject = after ?? before;
  if (subject === undefined) return [];
  // Any status, present or future: a deleted item is `removed`, so the app hears about that too.
  const status = after?.status ?? "removed";
  if (status === before?.status) return [];
  const event: AppEventOf<"integration.status_changed"> = {
    ...base("integration.status_changed", change, subject.imoId, subject.userId),
    data: {
      igAccountId: subject.igAccountId,
      status,
      ...(before === undefined ? {} : { previousStatus: before.status }),
    },
  };
  return [event];
}

/** The detector set the once-per-window marker to a new window end: that write is the announcement. */
function windowClosingEvents(
  change: StoredChange,
  before: WindowWatch | undefined,
  after: WindowWatch,
): AppEvent[] {
  const window = announcedWindow(after);
  if (window === undefined || after.notifiedFor === before?.notifiedFor) return [];
  const event: AppEventOf<"conversation.window_closing"> = {
    ...base("conversation.window_closing", change, after.imoId),
    data: {
      igAccountId: after.igAccountId,
      conversationId: conversationId(after.igAccountId, after.igsid),
      closesAt: isoTime(window.closesAt),
      lastCustomerMessageAt: isoTime(window.lastCustomerMessageAt),
      windowKind: window.kind,
    },
  };
  return [event];
}
