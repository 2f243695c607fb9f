import { createHash } from "node:crypto";
import type { Tap } from "../message";
import type { MessageEvent, PostbackEvent } from "./events";
import type { ConversationRef, TapLinks } from "./ports";

/*
 * Taps (docs/webhooks.md, "Taps"): a quick reply arrives as a customer `message` with `quick_reply.payload`
 * and its own `mid`; a button, ice breaker or menu item as a `postback` with `title`, `payload` and (buttons
 * only) a `mid` that Meta documents only as "the ID for the message" — it may name the tapped template, so it
 * can neither key the tap nor be trusted to exist in our table.
 */

/**
 * The stored id of a postback: the tap event itself, not the message it carries. Meta redelivers a webhook
 * unchanged, so the same delivery always yields the same id (exactly once); a second tap of the same button has
 * another `timestamp` and is a second tap. The hash keeps the id short and free of `#` (our key separator).
 */
export function postbackMessageId(event: PostbackEvent): string {
  const digest = createHash("sha256")
    .update(
      JSON.stringify([
        event.igAccountId,
        event.igsid,
        event.mid ?? "",
        event.payload ?? "",
        event.title ?? "",
      ]),
    )
    .digest("base64url")
    .slice(0, 22);
  return `tap_${event.timestamp}_${digest}`;
}

/** The stored id of a new message: Meta's `mid`, or the tap's own id for a postback. */
export function messageIdOf(event: MessageEvent | PostbackEvent): string {
  return event.kind === "postback" ? postbackMessageId(event) : event.mid;
}

/**
 * What a customer message or postback tapped, linked to the outbound message it answers where that can be
 * known without guessing: a postback's `mid` (or a message's `reply_to.mid`) that is a message we sent in this
 * very conversation; for a quick reply, which Meta links to nothing, the latest message of the conversation
 * sent before the tap that offered exactly that payload. Anything else stays unlinked, never invented.
 */
export async function tapOf(
  ref: ConversationRef,
  event: MessageEvent | PostbackEvent,
  links: TapLinks | undefined,
): Promise<Tap | undefined> {
  if (event.kind === "postback") {
    const byMid = event.mid === undefined ? undefined : await links?.sentMessage(ref, event.mid);
    return {
      kind: "postback",
      ...(event.payload === undefined ? {} : { payload: event.payload }),
      ...(event.title === undefined ? {} : { title: event.title }),
      ...(byMid === undefined ? {} : { inReplyTo: { messageId: byMid, linkedBy: "mid" } }),
    };
  }
  if (event.direction !== "inbound" || event.quickReplyPayload === undefined) return undefined;
  const byMid = event.replyToMid === undefined ? undefined : await links?.sentMessage(ref, event.replyToMid);
  const byPayload =
    byMid !== undefined ? undefined : await links?.latestOffer(ref, event.quickReplyPayload, event.timestamp);
  const inReplyTo =
    byMid !== undefined
      ? { messageId: byMid, linkedBy: "mid" as const }
      : byPayload !== undefined
        ? { messageId: byPayload, linkedBy: "quick_reply_payload" as const }
        : undefined;
  return {
    kind: "quick_reply",
    payload: event.quickReplyPayload,
    ...(event.text === undefined ? {} : { title: event.text }),
    ...(inReplyTo === undefined ? {} : { inReplyTo }),
  };
}
