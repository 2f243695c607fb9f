import type { ConversationEffect } from "./conversation-effect";

/**
 * The forward-only policy of a conversation update: which parts of the conversation an event may move,
 * tried strongest first. A store tries the first level; when its condition says the conversation already
 * holds newer activity (or a newer window anchor), it falls back to the next one, down to moving nothing.
 */
export interface ConversationLevel {
  readonly activity: boolean;
  readonly window: boolean;
}
export const NO_MOVE: ConversationLevel = { activity: false, window: false };
export const ACTIVITY_ONLY: ConversationLevel = { activity: true, window: false };

/** The levels to try for an effect: a window-opening event may move activity and the window apart. */
export function conversationLevels(effect: ConversationEffect): ConversationLevel[] {
  return effect.opensWindow
    ? [{ activity: true, window: true }, ACTIVITY_ONLY, { activity: false, window: true }, NO_MOVE]
    : [ACTIVITY_ONLY, NO_MOVE];
}
