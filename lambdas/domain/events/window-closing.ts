import { WINDOW_CLOSING_LEAD_MS } from "../../contract/events";
import type { WindowKind } from "../../contract/vocabulary";
import { replyWindow } from "../conversation";

/**
 * `conversation.window_closing` without a timer per conversation (docs/events.md):
 * - while a conversation's last message is the customer's, it sits in a sparse index keyed by its window end
 *   (kept by the `events` function from the conversation's stream records: `indexChange`);
 * - every few minutes the detector reads the index up to now + lead time and decides per conversation
 *   (`detectorAction`): announce (a conditional once-per-window marker, whose stream record is the event),
 *   move the entry to a later end, or drop it;
 * - answered means the last message in the thread is ours: the reply or echo moves `lastMessageDirection`.
 */

/** What window-closing needs of a stored conversation. */
export interface WindowWatch {
  readonly imoId: string;
  readonly igAccountId: string;
  readonly igsid: string;
  readonly lastActivityAt?: number;
  readonly lastMessageDirection?: "inbound" | "outbound";
  readonly lastCustomerMessageAt?: number;
  /** Epoch ms of the first message of an ad-started thread (its 7-day window). */
  readonly adReferralAt?: number;
  /** The window end already announced (`windowClosingNotifiedFor`): at most one event per window. */
  readonly notifiedFor?: number;
  /** The window end the index holds (`windowClosingAt`), when the conversation is indexed. */
  readonly indexedEnd?: number;
}

/** The window a conversation waits for an answer in. */
export interface PendingWindow {
  readonly closesAt: number;
  readonly kind: WindowKind;
  readonly lastCustomerMessageAt: number;
}

/** The reply window of an unanswered conversation not yet announced; undefined when nothing is due. */
export function pendingWindow(conversation: WindowWatch): PendingWindow | undefined {
  const anchor = conversation.lastCustomerMessageAt;
  if (conversation.lastMessageDirection !== "inbound" || anchor === undefined) return undefined;
  const window = replyWindow(
    {
      lastCustomerMessageAt: anchor,
      ...(conversation.adReferralAt === undefined ? {} : { adReferralAt: conversation.adReferralAt }),
    },
    anchor,
  );
  if (window.closesAt === undefined || window.closesAt === conversation.notifiedFor) return undefined;
  return { closesAt: window.closesAt, kind: window.kind, lastCustomerMessageAt: anchor };
}

/** The window whose end the marker names, once the detector announced it. */
export function announcedWindow(conversation: WindowWatch): PendingWindow | undefined {
  const { notifiedFor, lastCustomerMessageAt } = conversation;
  if (notifiedFor === undefined || lastCustomerMessageAt === undefined) return undefined;
  const { kind } = pendingWindow({ ...conversation, notifiedFor: undefined }) ?? {
    kind: "standard" as const,
  };
  return { closesAt: notifiedFor, kind, lastCustomerMessageAt };
}

/**
 * What the `events` function does to the index after a conversation write: add an unanswered conversation
 * (keyed by its window end), drop an answered or announced one. An entry whose window has since moved later
 * is left alone (the detector finds it early and moves it), which saves a write per customer message of a burst.
 */
export type IndexChange = { readonly add: number } | "remove" | undefined;

export function indexChange(conversation: WindowWatch, committedAt: number): IndexChange {
  const pending = pendingWindow(conversation);
  if (pending !== undefined && conversation.indexedEnd === undefined && pending.closesAt > committedAt) {
    return { add: pending.closesAt };
  }
  if (pending === undefined && conversation.indexedEnd !== undefined) return "remove";
  return undefined;
}

/** What the detector does with an index entry, from the conversation as it is now (a consistent read). */
export type DetectorAction =
  | { readonly kind: "announce"; readonly window: PendingWindow }
  | { readonly kind: "move"; readonly closesAt: number }
  | { readonly kind: "drop"; readonly reason: "answered" | "closed" | "gone" };

export function detectorAction(
  conversation: WindowWatch | undefined,
  now: number,
  leadMs = WINDOW_CLOSING_LEAD_MS,
): DetectorAction {
  if (conversation === undefined) return { kind: "drop", reason: "gone" };
  const pending = pendingWindow(conversation);
  if (pending === undefined) return { kind: "drop", reason: "answered" };
  // Too late to help anyone answer: the window closed while the detector was not running.
  if (pending.closesAt <= now) return { kind: "drop", reason: "closed" };
  if (pending.closesAt > now + leadMs) return { kind: "move", closesAt: pending.closesAt };
  return { kind: "announce", window: pending };
}

/** The index partition of a conversation: a stable hash of its key, so its writes spread over the shards. */
export function windowShard(conversationKey: string, shards: number): number {
  let hash = 0;
  for (let i = 0; i < conversationKey.length; i++) hash = (hash * 31 + conversationKey.charCodeAt(i)) >>> 0;
  return hash % shards;
}

/** A conversation item's table key, as the index returns it. */
export interface ConversationKey {
  readonly pk: string;
  readonly sk: string;
}

/** The index side of window-closing: kept by the `events` function, read and acted on by the detector. */
export interface WindowIndexStore {
  /** Applies what a conversation write means to the index (the `events` function); true if it wrote. */
  apply(key: ConversationKey, seen: WindowWatch, change: IndexChange): Promise<boolean>;
  /** The keys of every indexed conversation whose indexed window end is at or before `upTo`. */
  dueBy(upTo: number): Promise<ConversationKey[]>;
  /** The conversation now (a consistent read); undefined when it no longer exists. */
  read(key: ConversationKey): Promise<WindowWatch | undefined>;
  /** Carries out the detector's decision, conditioned on the conversation being as read; true if it wrote. */
  act(key: ConversationKey, seen: WindowWatch, action: DetectorAction): Promise<boolean>;
}

/** What one detector run did. */
export interface DetectorSummary {
  readonly candidates: number;
  readonly announced: number;
  readonly moved: number;
  readonly dropped: number;
  /** Changed meanwhile (condition refused): decided again by the next run or the write's stream record. */
  readonly raced: number;
}

/**
 * One run of the detector: every indexed conversation whose indexed window end is within the lead time (or
 * past: a run that was missed), decided from a consistent read and written conditionally. Running it twice, or
 * concurrently, announces a window once: the marker and the condition on it see to that.
 */
export async function detectClosingWindows(
  store: WindowIndexStore,
  now: number,
  leadMs = WINDOW_CLOSING_LEAD_MS,
): Promise<DetectorSummary> {
  const counts = { candidates: 0, announced: 0, moved: 0, dropped: 0, raced: 0 };
  for (const key of await store.dueBy(now + leadMs)) {
    counts.candidates++;
    const seen = await store.read(key);
    const action = detectorAction(seen, now, leadMs);
    // A conversation erased since the index was read has nothing left to write to.
    if (seen === undefined) {
      counts.dropped++;
      continue;
    }
    if (!(await store.act(key, seen, action))) counts.raced++;
    else if (action.kind === "announce") counts.announced++;
    else if (action.kind === "move") counts.moved++;
    else counts.dropped++;
  }
  return counts;
}
