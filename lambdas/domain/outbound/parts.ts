import type { OutboundStatus, SendableAttachmentType, SendFailureReason } from "../../contract/vocabulary";
import type { OutboundContent, OutboundMessage, OutboundQueue } from "./ports";
import { RICH_LIMITS } from "./rich";

/*
 * A message in parts (docs/outbound.md, "Parts"): media Meta cannot take as ONE message is sent as consecutive
 * Meta messages, in order. Instagram's send-message page allows "one or more images, a video, or an audio
 * file" per message, so consecutive images travel together and every other media goes alone.
 *
 * The app message (the parent) is what the API lists and events describe; it holds one state per part. Each
 * part is its own outbound message (own item, own queue record in the conversation's FIFO group, own slot
 * under the cap, own attempts, own `mid`), so the sender handles it exactly as any other message. The store
 * keeps the parent's part states and status in step with each part's transition, in the same write.
 */

export interface Media {
  readonly type: SendableAttachmentType;
  readonly url: string;
}

/** What one part sends: one media, or several images together. */
export type PartContent = { readonly attachment: Media } | { readonly images: readonly string[] };

/** One part as the parent records it (shown by the API as `parts[]`). */
export interface PartRecord {
  readonly kind: "attachment" | "images";
  /** How many of the message's attachments (in order) this part carries. */
  readonly media: number;
  readonly status: OutboundStatus;
  readonly mid?: string;
  readonly failureReason?: SendFailureReason;
}

/** A part item's link to its parent. */
export interface PartOf {
  readonly parentId: string;
  /** 0-based position: the order the parts go out in. */
  readonly index: number;
  readonly count: number;
}

/** True when Meta cannot send these attachments as one message (anything but images, more than one). */
export function needsParts(media: readonly Media[]): boolean {
  return media.length > 1 && media.some((m) => m.type !== "image");
}

/** The parts, in order: consecutive images together (up to Meta's count per message), anything else alone. */
export function splitMedia(media: readonly Media[]): PartContent[] {
  const parts: PartContent[] = [];
  let images: string[] = [];
  const flush = () => {
    if (images.length === 1) parts.push({ attachment: { type: "image", url: images[0] as string } });
    else if (images.length > 1) parts.push({ images });
    images = [];
  };
  for (const item of media) {
    if (item.type === "image") {
      if (images.length === RICH_LIMITS.images) flush();
      images.push(item.url);
    } else {
      flush();
      parts.push({ attachment: item });
    }
  }
  flush();
  return parts;
}

/** The initial part states of a message in parts: every part queued. */
export function initialParts(media: readonly Media[]): PartRecord[] {
  return splitMedia(media).map((part) =>
    "images" in part
      ? { kind: "images", media: part.images.length, status: "queued" }
      : { kind: "attachment", media: 1, status: "queued" },
  );
}

/** A part's message id: the parent's id and the part's 1-based position (never shown as a message). */
export function partId(parentId: string, index: number): string {
  return `${parentId}-p${index + 1}`;
}

/** The part messages of a parent, in order, each as the sender loads it (queued, no attempts yet). */
export function partMessages(parent: OutboundMessage): OutboundMessage[] {
  if (!("media" in parent.content)) return [];
  const parts = splitMedia(parent.content.media);
  return parts.map((content: OutboundContent, index) => {
    const { parts: _states, ...rest } = parent;
    return {
      ...rest,
      messageId: partId(parent.messageId, index),
      content,
      status: "queued",
      attempts: 0,
      part: { parentId: parent.messageId, index, count: parts.length },
    };
  });
}

/**
 * The parent's status after a part's transition, from the part's position alone (parts go out strictly in
 * order, and a failed part fails every later one, so all earlier parts are sent when a part moves):
 * the first part back in the queue leaves the message `queued`; the last part sent makes it `sent`; any
 * failure makes it `failed`; anything else is `sending`.
 */
export function parentStatusAfter(part: PartOf, partStatus: OutboundStatus): OutboundStatus {
  if (partStatus === "failed") return "failed";
  if (partStatus === "sent") return part.index === part.count - 1 ? "sent" : "sending";
  if (partStatus === "queued") return part.index === 0 ? "queued" : "sending";
  return "sending";
}

/**
 * Enqueues a message in parts as one record per part still queued, in order, in the conversation's FIFO group
 * (so order and a slot per part come from the queue and the sender as for any message); any other message as
 * itself. Re-enqueueing (an idempotent retry) only duplicates records of parts that are still queued, which the
 * sender's conditional `queued → sending` makes harmless.
 */
export function partsQueue(queue: OutboundQueue): OutboundQueue {
  return {
    async enqueue(message) {
      if (!("media" in message.content)) return queue.enqueue(message);
      const states = message.parts ?? [];
      for (const [index, part] of partMessages(message).entries()) {
        if ((states[index]?.status ?? "queued") === "queued") await queue.enqueue(part);
      }
    },
  };
}
