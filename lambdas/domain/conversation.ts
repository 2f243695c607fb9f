import type { WindowState } from "../contract/vocabulary";

/** Standard reply window: 24 hours after the customer's last message. */
export const STANDARD_WINDOW_MS = 24 * 60 * 60 * 1000;
/** With the HUMAN_AGENT tag (when the app is approved for it): 7 days. */
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

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
}

export type { WindowState };

export interface ReplyWindow {
  readonly state: WindowState;
  /** When the standard window closes (or closed); absent if the customer never wrote. */
  readonly closesAt?: number;
  readonly humanAgentClosesAt?: number;
}

/** The reply window at `now`. At exactly 24 h (or 7 d) the window is closed. */
export function replyWindow(lastCustomerMessageAt: number | undefined, now: number): ReplyWindow {
  if (lastCustomerMessageAt === undefined) return { state: "closed" };
  const closesAt = lastCustomerMessageAt + STANDARD_WINDOW_MS;
  const humanAgentClosesAt = lastCustomerMessageAt + HUMAN_AGENT_WINDOW_MS;
  const state: WindowState =
    now < closesAt ? "open" : now < humanAgentClosesAt ? "human_agent_only" : "closed";
  return { state, closesAt, humanAgentClosesAt };
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
