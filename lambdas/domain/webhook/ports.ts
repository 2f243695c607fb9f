import type { MessageRecord, Reaction } from "../message";
import type { ConversationEffect } from "./conversation-effect";

/** The conversation an event belongs to, within one organisation. */
export interface ConversationRef {
  readonly imoId: string;
  readonly igAccountId: string;
  readonly igsid: string;
}

/** A message an event points at (edit, unsend, reaction, read), which may not be stored yet. */
export interface MessageTarget extends ConversationRef {
  readonly mid: string;
}

export type WriteOutcome = "applied" | "duplicate" | "stale";

/** A new message and what it does to its conversation. */
export interface NewMessage {
  readonly message: MessageRecord;
  readonly effect: ConversationEffect;
}

/**
 * Idempotent writes of inbound events. Every method may be called any number of times with the same
 * arguments and in any order relative to the others; the stored result is the same.
 */
export interface InboundStore {
  /** Stores a new message once (by `messageId`) and applies its effect to the conversation in the same write. */
  recordMessage(message: MessageRecord, effect: ConversationEffect): Promise<WriteOutcome>;
  /** Like `recordMessage` for several new messages of one conversation, with one conversation update. */
  recordMessages(batch: readonly NewMessage[]): Promise<WriteOutcome[]>;
  /** Confirms the outbound record of a message we sent, found via its sent-mid item; `unmatched` if none. */
  confirmEcho(
    ref: ConversationRef,
    mid: string,
    effect: ConversationEffect,
  ): Promise<"matched" | "unmatched">;
  markDeleted(target: MessageTarget, at: number): Promise<WriteOutcome>;
  applyEdit(target: MessageTarget, text: string, editCount: number, at: number): Promise<WriteOutcome>;
  applyReaction(target: MessageTarget, actorId: string, reaction: Reaction): Promise<WriteOutcome>;
  applyRead(target: MessageTarget, at: number): Promise<WriteOutcome>;
  recordConversationFact(
    ref: ConversationRef,
    fact: "optin" | "lastReferral",
    fields: Readonly<Record<string, string>>,
    at: number,
  ): Promise<WriteOutcome>;
  /**
   * The thread started from an ad: records the referral of its first message, once, and only if no earlier
   * customer message is known (Meta's 7-day window belongs to the first message of an ad-started thread).
   */
  recordAdReferral(
    ref: ConversationRef,
    referral: Readonly<Record<string, string>>,
    at: number,
  ): Promise<WriteOutcome>;
}

/** The organisations whose live (not revoked) integration owns an Instagram account (tenant isolation: one copy each). */
export interface IntegrationRouting {
  owningOrganisations(igAccountId: string): Promise<readonly string[]>;
}

/**
 * Asks for the profiles of customers who just wrote (docs/app-api.md, "Customer profiles"): called once per
 * delivery after every write is durable, never failing it (a lost request is made again on a later message).
 */
export interface ProfileRequests {
  request(conversations: readonly ConversationRef[]): Promise<void>;
}

/**
 * Finds the outbound message a tap answers (taps.ts). Reads only; a miss is `undefined`, and the tap is
 * stored unlinked.
 */
export interface TapLinks {
  /** Our message sent under Meta's `mid` (the sent-mid pointer), only if it belongs to this conversation. */
  sentMessage(ref: ConversationRef, mid: string): Promise<string | undefined>;
  /** The latest message of the conversation sent at or before `at` whose quick replies offered `payload`. */
  latestOffer(ref: ConversationRef, payload: string, at: number): Promise<string | undefined>;
}

export interface IngestDependencies {
  readonly store: InboundStore;
  /** Absent where taps are not linked (tests of storage alone): taps are then stored unlinked. */
  readonly taps?: TapLinks;
  /** Absent where profiles are not fetched (tests of storage alone). */
  readonly profiles?: ProfileRequests;
  readonly routing: IntegrationRouting;
  /** Counts a metric (Powertools in production). */
  readonly count: (name: string, value?: number) => void;
  /** Logs without personal data: only kinds, counts and field names are ever passed. */
  readonly log: (message: string, attributes: Record<string, unknown>) => void;
  /** How many conversations are written at the same time. */
  readonly concurrency: number;
  /** The receiving clock: bounds how far in the future an event time may be (parse.ts). */
  readonly now?: () => number;
}

export interface IngestSummary {
  readonly events: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly stale: number;
  readonly unrouted: number;
  readonly unknown: number;
  readonly malformed: number;
  readonly ignoredChanges: number;
}
