import { slotUsable } from "./limiter";
import type { LimiterRead, OutboundMessage } from "./ports";
import type { SenderDeps } from "./send";

/** A slot this close is waited for in the invocation rather than on the queue (see waitedFor). */
export const NEAR_SLOT_MS = 1_000;

/**
 * The slot this message sends in now, or when to come back. Reserves at most one slot per call, starting from
 * the limiter as the view read it (no second read unless another sender wrote it meanwhile).
 */
export async function usableSlot(
  message: OutboundMessage,
  limiter: LimiterRead,
  deps: SenderDeps,
): Promise<{ at: number; wait?: undefined } | { at?: undefined; wait: number }> {
  const now = deps.now();
  if (message.slotAt !== undefined) {
    if (message.slotAt > now) return { wait: message.slotAt };
    if (slotUsable(message.slotAt, now, deps.limits, limiter.state)) return { at: message.slotAt };
  }
  const slot = await deps.limiter.reserve(message.igAccountId, now, undefined, limiter);
  if (slot <= now || (await waitedFor(slot, deps))) return { at: slot };
  await deps.store.holdSlot(message, slot);
  return { wait: slot };
}

/**
 * A slot a moment away — a concurrent sender of the account reserved the current instant just before us — is
 * waited for in the invocation: cheaper than hiding the record (a visibility change, a receive, a second
 * decision). Never early: only a clock at or past the slot uses it (a virtual clock that did not move defers).
 */
async function waitedFor(slot: number, deps: SenderDeps): Promise<boolean> {
  const wait = slot - deps.now();
  if (deps.sleep === undefined || wait > NEAR_SLOT_MS) return false;
  await deps.sleep(wait);
  return deps.now() >= slot;
}
