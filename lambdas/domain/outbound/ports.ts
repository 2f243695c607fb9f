import type { SendableAttachmentType } from "../../contract/vocabulary";
import type { WindowAnchors } from "../conversation";
import type { Integration, MetaTarget, RestrictionReason } from "../integration";
import type { OutboundStatus, SendFailureReason } from "../message";
import type { MetaErrorClass, UsageSignal } from "../meta-errors";
import type { LimiterState } from "./limiter";
import type { Media, PartOf, PartRecord } from "./parts";
import type { QuickReply, Template } from "./rich";

/**
 * What an outbound message carries: exactly one kind, each one Meta message (docs/outbound.md, "Kinds").
 * `replyTo` keeps both our id (shown by the API) and Meta's `mid` of the customer message (sent to Meta).
 */
export type OutboundContent =
  | {
      readonly text: string;
      readonly quickReplies?: readonly QuickReply[];
      readonly replyTo?: { readonly messageId: string; readonly mid: string };
    }
  | { readonly attachment: { readonly type: SendableAttachmentType; readonly url: string } }
  | { readonly images: readonly string[] }
  /** A media uploaded before (attachment upload), sent by Meta's id; `url` is what it showed, for the inbox. */
  | {
      readonly savedAttachment: {
        readonly type: SendableAttachmentType;
        readonly attachmentId: string;
        readonly url: string;
      };
    }
  | { readonly sticker: "like_heart" }
  | { readonly share: { readonly postId: string } }
  | { readonly template: Template }
  /** Media Meta cannot take as one message: sent as parts, never as such (lambdas/domain/outbound/parts.ts). */
  | { readonly media: readonly Media[] };

/** A message accepted by the send API, as the outbound side reads and updates it. */
export interface OutboundMessage {
  readonly imoId: string;
  readonly userId: string;
  readonly igAccountId: string;
  readonly igsid: string;
  readonly messageId: string;
  readonly status: OutboundStatus;
  readonly content: OutboundContent;
  readonly tag?: "HUMAN_AGENT";
  /** Epoch ms the API accepted it. */
  readonly acceptedAt: number;
  /** Meta calls made so far. */
  readonly attempts: number;
  /** The send-cap slot this message holds (epoch ms), if it reserved one. */
  readonly slotAt?: number;
  /** Epoch ms it last entered `sending`: a send younger than the sender's timeout may still be in flight. */
  readonly sendingSince?: number;
  readonly mid?: string;
  readonly sentAt?: number;
  readonly failureReason?: SendFailureReason;
  /** A message in parts: the state of each part, in order (its `status` sums them up). */
  readonly parts?: readonly PartRecord[];
  /** One part of a message in parts: which one (its transitions update the parent too). */
  readonly part?: PartOf;
}

/**
 * The reference the queue carries: just enough to load the message, and the keys of what deciding its send
 * reads (integration, conversation, limiter), so the sender reads them all at once. Only keys, never content;
 * records queued before the keys were added have none and cost the sender one read more.
 */
export interface OutboundRef {
  readonly imoId: string;
  readonly messageId: string;
  readonly userId?: string;
  readonly igAccountId?: string;
  readonly igsid?: string;
}

export interface IdempotencyRecord {
  readonly messageId: string;
  /** SHA-256 of the canonical request; a different body under the same key is refused. */
  readonly requestHash: string;
}

/** Persistence of outbound messages. Every status change is conditional on the status it leaves. */
export interface OutboundStore {
  get(ref: OutboundRef): Promise<OutboundMessage | undefined>;
  idempotency(imoId: string, userId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Writes the queued message (and its idempotency key, atomically); `key_taken` if a racing request won. */
  create(
    message: OutboundMessage,
    idempotency?: { readonly key: string; readonly requestHash: string },
  ): Promise<"created" | "key_taken">;
  /** queued → queued, holding a slot. False if the message is no longer queued. */
  holdSlot(message: OutboundMessage, slotAt: number): Promise<boolean>;
  /** queued → sending (attempts + 1). False if it was not queued: someone else owns it. */
  markSending(message: OutboundMessage, slotAt: number, now: number): Promise<boolean>;
  /**
   * sending → sent with Meta's mid: first the mid pointer (an echo from then on is matched), then the message
   * `sent`, the removal of an echo stored before the pointer existed, and the conversation showing the reply
   * (preview, direction, last activity) unless it already shows something later.
   */
  markSent(message: OutboundMessage, mid: string, now: number): Promise<void>;
  /** sending → queued again (transient failure or rate limit), holding the slot of its next attempt. */
  requeue(message: OutboundMessage, slotAt: number, now: number): Promise<void>;
  /** queued|sending → failed. False if it had already left `from`. */
  markFailed(
    message: OutboundMessage,
    from: "queued" | "sending",
    reason: SendFailureReason,
    now: number,
  ): Promise<boolean>;
}

export interface IntegrationAccess {
  get(imoId: string, userId: string): Promise<Integration | undefined>;
  /** Conditional on the version read: marks it `needs_reauth` and erases its token after Meta refused it. */
  markNeedsReauth(integration: Integration, now: number): Promise<void>;
  /** Records that Meta refuses every send of the account (shown on GET /instagram/integration). */
  markRestricted(integration: Integration, reason: RestrictionReason, now: number): Promise<void>;
  /** A send went through again: the restriction is over. */
  clearRestriction(integration: Integration, now: number): Promise<void>;
}

/** What accepting a message reads, strongly consistent, as of one moment. */
export interface AcceptView {
  readonly integration?: Integration;
  /** The Idempotency-Key's record, when a key was asked for and is known. */
  readonly idempotency?: IdempotencyRecord;
  /** The conversation asked for, with its reply-window anchors (empty when it is unknown). */
  readonly conversation?: {
    readonly igAccountId: string;
    readonly igsid: string;
    readonly anchors: WindowAnchors;
  };
}

/** The accept side's reads in one request (DynamoDB: one BatchGetItem). */
export interface AcceptReads {
  read(
    imoId: string,
    userId: string,
    wanted: {
      readonly idempotencyKey?: string;
      readonly conversation?: { readonly igAccountId: string; readonly igsid: string };
    },
  ): Promise<AcceptView>;
}

/** Messages a reply may answer: a customer message of the same conversation, by our message id. */
export interface ReplyTargets {
  /** Meta's `mid` of the customer's message `messageId` in this conversation; undefined if there is none. */
  customerMid(
    imoId: string,
    igAccountId: string,
    igsid: string,
    messageId: string,
  ): Promise<string | undefined>;
}

export interface ConversationWindows {
  /** What the reply window is computed from (empty if the conversation is unknown). */
  anchors(imoId: string, igAccountId: string, igsid: string): Promise<WindowAnchors>;
}

/** A limiter as read, with the version its next conditional write must still find. */
export interface LimiterRead {
  readonly state: LimiterState;
  /** Absent when the reader did not learn it: the reservation then reads the limiter itself. */
  readonly version?: number;
}

/** Everything one send decision reads, strongly consistent, as of one moment. */
export interface SendView {
  readonly message?: OutboundMessage;
  readonly integration?: Integration;
  readonly anchors: WindowAnchors;
  /** The message's account's limiter (empty if the message is unknown). */
  readonly accountLimiter: LimiterRead;
}

/**
 * The sender's reads in one request (DynamoDB: one BatchGetItem of message, integration, conversation, account
 * limiter). The app-wide limiter is not among them: every send would read that one item, so it is read through
 * the limiter port, which caches it per container (`cachingAppWideState`).
 */
export interface SendReads {
  view(ref: OutboundRef): Promise<SendView>;
}

/** The per-account limiter as stored (DynamoDB in production, conditional writes against races). */
export interface SendLimiter {
  state(igAccountId: string): Promise<LimiterState>;
  /**
   * Reserves the next slot at or after max(now, notBefore); see reserveSlot. `known`, the limiter as just read,
   * spares the first try its read (a lost race re-reads).
   */
  reserve(igAccountId: string, now: number, notBefore?: number, known?: LimiterRead): Promise<number>;
  pause(igAccountId: string, until: number): Promise<void>;
}

export interface OutboundQueue {
  /** Enqueues with group = conversation and dedup id = message id. */
  enqueue(message: OutboundMessage): Promise<void>;
}

/** Meta's answer to one send, already classified (lambdas/domain/meta-errors.ts classes). */
export type MetaSendResult =
  | {
      readonly ok: true;
      readonly mid: string;
      /** The usage headers of the answer, when Meta sent them (the sender slows down near the limit). */
      readonly usage?: UsageSignal;
    }
  | {
      readonly ok: false;
      readonly kind: MetaErrorClass;
      /** Rate limits: how long Meta says to wait (`estimated_time_to_regain_access`), when it says. */
      readonly retryAfterMs?: number;
      /** Rate limits: code 4 is the app's limit (every account), the others one account's. */
      readonly scope?: "app" | "account";
      /** Account restrictions: which one (10/1893063 restricted, 100/2534029 business blocked). */
      readonly restriction?: RestrictionReason;
    };

export interface SendRequest {
  readonly igAccountId: string;
  readonly accessToken: string;
  /** Host and path node of the integration (the Page on graph.facebook.com for Facebook Login); absent: the account. */
  readonly target?: MetaTarget;
  readonly recipientId: string;
  readonly content: OutboundContent;
  readonly tag?: "HUMAN_AGENT";
}

export interface SendApi {
  send(request: SendRequest): Promise<MetaSendResult>;
}
