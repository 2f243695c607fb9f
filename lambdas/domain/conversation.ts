import type { WindowKind, WindowState } from "../contract/vocabulary";
import type { ProfileState } from "./profile/profile";

/** Standard reply window: 24 hours after the customer's last message. */
export const STANDARD_WINDOW_MS = 24 * 60 * 60 * 1000;
/** With the HUMAN_AGENT tag (when the app is approved for it): 7 days. */
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * A thread started from a Click-to-Direct ad: Meta's messaging policy says the window "may last up to 7 days
 * from that message" (docs/meta-simulator.md row 3) — the first message, carrying `referral.source: ADS`.
 */
export const AD_REFERRAL_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** One customer (IGSID) talking to one Instagram professional account, within an organisation. */
export interface Conversation {
  readonly imoId: string;
  readonly igAccountId: string;
  readonly igsid: string;
  /** Epoch ms of the latest event in the thread (either direction). */
  readonly lastActivityAt: number;
  readonly lastMessagePreview?: string;
  readonly lastMessageDirection?: "inbound" | "outbound";
  readonly unreadCount: number;
  /** Epoch ms of the customer's last message: the reply window's anchor. Only ever moves forward. */
  readonly lastCustomerMessageAt?: number;
  /** The message the preview shows, so an unsend or edit of it can update the preview. */
  readonly lastMessageId?: string;
  /** The latest ig.me link or ad opened in this thread (top-level referral webhook). */
  readonly lastReferral?: { readonly at: number; readonly referral: Readonly<Record<string, string>> };
  /** The latest marketing-message opt-in state (never its token). */
  readonly optin?: { readonly at: number; readonly fields: Readonly<Record<string, string>> };
  /** The thread started from an ad: its first message's time and referral (ad id, source, title, photo). */
  readonly adReferral?: { readonly at: number; readonly referral: Readonly<Record<string, string>> };
  /** The customer's profile from Meta's User Profile API, once fetched (docs/app-api.md, "Customer profiles"). */
  readonly profile?: ProfileState;
}

/** What the reply window is computed from: the customer's last message, and the ad that started the thread. */
export interface WindowAnchors {
  readonly lastCustomerMessageAt?: number;
  /** Epoch ms of the first message of an ad-started thread. */
  readonly adReferralAt?: number;
}

export type { WindowKind, WindowState };

export interface ReplyWindow {
  readonly state: WindowState;
  /** Which window `closesAt` ends: the ad window when it lasts longer than the standard one. */
  readonly kind: WindowKind;
  /** When the open window closes (or closed); absent if the customer never wrote. */
  readonly closesAt?: number;
  readonly humanAgentClosesAt?: number;
}

/**
 * The reply window at `now`: 24 h after the customer's last message, or 7 days after the first message of an
 * ad-started thread, whichever ends later. At exactly 24 h (or 7 d) the window is closed.
 */
export function replyWindow(anchors: WindowAnchors | number | undefined, now: number): ReplyWindow {
  const { lastCustomerMessageAt, adReferralAt } =
    typeof anchors === "number"
      ? { lastCustomerMessageAt: anchors, adReferralAt: undefined }
      : (anchors ?? {});
  if (lastCustomerMessageAt === undefined) return { state: "closed", kind: "standard" };
  const standardEnd = lastCustomerMessageAt + STANDARD_WINDOW_MS;
  const adEnd = adReferralAt === undefined ? undefined : adReferralAt + AD_REFERRAL_WINDOW_MS;
  const kind: WindowKind = adEnd !== undefined && adEnd > standardEnd ? "ad_referral" : "standard";
  const closesAt = kind === "ad_referral" && adEnd !== undefined ? adEnd : standardEnd;
  const humanAgentClosesAt = lastCustomerMessageAt + HUMAN_AGENT_WINDOW_MS;
  const state: WindowState =
    now < closesAt ? "open" : now < humanAgentClosesAt ? "human_agent_only" : "closed";
  return { state, kind, closesAt, humanAgentClosesAt };
}

/** The anchors of a stored conversation. */
export function windowAnchors(conversation: Conversation | undefined): WindowAnchors {
  return {
    ...(conversation?.lastCustomerMessageAt === undefined
      ? {}
      : { lastCustomerMessageAt: conversation.lastCustomerMessageAt }),
    ...(conversation?.adReferral === undefined ? {} : { adReferralAt: conversation.adReferral.at }),
  };
}

/** Whether a message may be sent now, with or without the HUMAN_AGENT tag. */
export function canReply(window: ReplyWindow, tag: "HUMAN_AGENT" | undefined): boolean {
  return window.state === "open" || (tag === "HUMAN_AGENT" && window.state === "human_agent_only");
}

const CONVERSATION_ID = /^(\d{1,30})_(\d{1,30})$/;

/** The conversation id clients see: `<igAccountId>_<igsid>`; the organisation always comes from the caller. */
export function conversationId(igAccountId: string, igsid: string): string {
  return `${igAccountId}_${igsid}`;
}

export function parseConversationId(id: string): { igAccountId: string; igsid: string } | undefined {
  const match = CONVERSATION_ID.exec(id);
  if (!match?.[1] || !match[2]) return undefined;
  return { igAccountId: match[1], igsid: match[2] };
}
