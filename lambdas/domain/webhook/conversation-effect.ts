import type { Conversation } from "../conversation";
import type { Attachment, Direction } from "../message";
import type { MessageEvent, PostbackEvent } from "./events";
import { messageIdOf } from "./taps";

/**
 * What storing one new message does to its conversation. The store applies it with conditions so the
 * result is the same whatever the order and however often deliveries repeat:
 * - `lastActivityAt` (and the preview, direction, last message id) only move to a later time;
 * - `lastCustomerMessageAt`, the reply window's anchor, only moves forward, and only for messages that
 *   open the window (`opensWindow`);
 * - `unreadCount` grows by `unreadIncrement` once per message id (the message write is the guard).
 */
export interface ConversationEffect {
  readonly at: number;
  readonly messageId: string;
  readonly direction: Direction;
  /** Undefined when the message has no content to show (e.g. it was unsent before it arrived). */
  readonly preview?: string;
  /** Inbound messages in this effect (0 or 1 for one message; the sum for combined effects). */
  readonly unreadIncrement: number;
  readonly opensWindow: boolean;
  /** When the window anchor differs from `at` (combined effects: the latest customer message). */
  readonly windowAt?: number;
}

/** The time the reply window would move to. */
export function windowTime(effect: ConversationEffect): number {
  return effect.windowAt ?? effect.at;
}

/**
 * Several new messages of one conversation as one effect (written in one transaction): the newest message
 * sets activity and preview, the latest customer message the window, unread counts add up. Applying the
 * combination equals applying each effect, in any order.
 */
export function combineEffects(effects: readonly ConversationEffect[]): ConversationEffect {
  const first = effects[0];
  if (first === undefined) throw new Error("combineEffects needs at least one effect");
  const newest = effects.reduce((best, effect) => (effect.at >= best.at ? effect : best), first);
  const windowTimes = effects.filter((effect) => effect.opensWindow).map(windowTime);
  return {
    at: newest.at,
    messageId: newest.messageId,
    direction: newest.direction,
    ...(newest.preview === undefined ? {} : { preview: newest.preview }),
    unreadIncrement: effects.reduce((sum, effect) => sum + effect.unreadIncrement, 0),
    opensWindow: windowTimes.length > 0,
    ...(windowTimes.length > 0 ? { windowAt: Math.max(...windowTimes) } : {}),
  };
}

const PREVIEW_LENGTH = 100;

/**
 * Which events open or refresh the reply window. The reference anchors the window on "the customer's
 * last message": a message from the customer (text, media, story reply or mention, quick reply, or a
 * message Instagram cannot render) and a postback, which Instagram shows as a message in the thread and
 * which carries a `mid`. Echoes never do; reactions, reads, edits, unsends, opt-ins and referrals do not
 * (being conservative keeps sends from failing with Meta's window-closed error).
 */
export function opensWindow(event: MessageEvent | PostbackEvent): boolean {
  // Under `standby` another app owns the thread: Meta refuses our replies there (100/2534037), so the event is
  // kept but opens nothing for us.
  if (event.channel === "standby") return false;
  return event.kind === "postback" || event.direction === "inbound";
}

export function messageEffect(event: MessageEvent | PostbackEvent): ConversationEffect {
  const direction: Direction = event.kind === "postback" ? "inbound" : event.direction;
  const preview = event.kind === "postback" ? (event.title ?? event.payload ?? "") : messagePreview(event);
  return {
    at: event.timestamp,
    messageId: messageIdOf(event),
    direction,
    preview,
    unreadIncrement: direction === "inbound" ? 1 : 0,
    opensWindow: opensWindow(event),
  };
}

/** The inbox line for a message: its text, else its first attachment's kind in brackets. */
export function messagePreview(event: {
  readonly text?: string;
  readonly attachments: readonly Attachment[];
  readonly unsupported: boolean;
}): string {
  if (event.text !== undefined && event.text !== "") return previewText(event.text);
  const first = event.attachments[0];
  if (first !== undefined) {
    const more = event.attachments.length > 1 ? ` +${event.attachments.length - 1}` : "";
    return `[${first.type}]${more}`;
  }
  return event.unsupported ? "[unsupported]" : "";
}

/** A text cut to the inbox preview's length (by code points, so emoji are never split). */
export function previewText(text: string): string {
  const chars = [...text];
  return chars.length <= PREVIEW_LENGTH ? text : `${chars.slice(0, PREVIEW_LENGTH - 1).join("")}…`;
}

/**
 * The reference semantics of applying an effect (once per message id) to a conversation. The DynamoDB
 * store implements exactly this with conditional writes; unit tests use it to show order independence.
 */
export function applyEffect(
  conversation: Conversation | undefined,
  key: { imoId: string; igAccountId: string; igsid: string },
  effect: ConversationEffect,
): Conversation {
  const current: Conversation = conversation ?? { ...key, lastActivityAt: 0, unreadCount: 0 };
  const newer = conversation === undefined || effect.at >= current.lastActivityAt;
  const windowMoves =
    effect.opensWindow &&
    (current.lastCustomerMessageAt === undefined || windowTime(effect) >= current.lastCustomerMessageAt);
  const activity: Partial<Conversation> = newer
    ? {
        lastActivityAt: effect.at,
        lastMessageDirection: effect.direction,
        lastMessageId: effect.messageId,
        ...(effect.preview === undefined ? {} : { lastMessagePreview: effect.preview }),
      }
    : {};
  const next: Conversation = {
    ...current,
    ...activity,
    unreadCount: current.unreadCount + effect.unreadIncrement,
    ...(windowMoves ? { lastCustomerMessageAt: windowTime(effect) } : {}),
  };
  if (newer && effect.preview === undefined) {
    const { lastMessagePreview: _dropped, ...rest } = next;
    return rest;
  }
  return next;
}
