import type { OutboundKind, SendableAttachmentType } from "../../contract/vocabulary";
import { initialParts, type PartRecord } from "../../domain/outbound/parts";
import type { OutboundContent, OutboundMessage } from "../../domain/outbound/ports";
import type { RichRecord } from "../../domain/outbound/rich";

/*
 * How an outbound message's content is stored on its message item. Text and media keep the attributes every
 * message has (`text`, `attachments`: the inbox reads them as it reads inbound ones); everything else a rich
 * kind carries goes into one `rich` map whose `kind` says how to read the item back.
 */

export function isRichItem(value: unknown): value is RichRecord {
  return (
    typeof value === "object" && value !== null && typeof (value as { kind?: unknown }).kind === "string"
  );
}

/** The kind of an outbound content, as the messages route shows it. */
export function outboundKind(content: OutboundContent): OutboundKind {
  if ("text" in content) return "text";
  if ("attachment" in content) return "attachment";
  if ("images" in content) return "images";
  if ("sticker" in content) return "sticker";
  if ("share" in content) return "share";
  if ("media" in content) return "parts";
  return content.template.type === "button" ? "button_template" : "generic_template";
}

/** The item attributes of a content (spread into the message item). */
export function contentAttributes(content: OutboundContent): Record<string, unknown> {
  if ("text" in content) {
    const rich =
      content.quickReplies === undefined && content.replyTo === undefined
        ? {}
        : {
            rich: {
              kind: "text",
              ...(content.quickReplies === undefined ? {} : { quickReplies: content.quickReplies }),
              ...(content.replyTo === undefined ? {} : { replyTo: content.replyTo }),
            },
          };
    return {
      text: content.text,
      ...(content.replyTo === undefined ? {} : { replyToMid: content.replyTo.mid }),
      ...rich,
    };
  }
  if ("attachment" in content) {
    return { attachments: [{ type: content.attachment.type, url: content.attachment.url }] };
  }
  if ("images" in content) {
    return { attachments: content.images.map((url) => ({ type: "image", url })), rich: { kind: "images" } };
  }
  if ("sticker" in content) return { rich: { kind: "sticker", sticker: content.sticker } };
  if ("share" in content) return { rich: { kind: "share", share: content.share } };
  if ("media" in content) {
    // Every media on the message (the inbox shows them), and each part's state, all queued at first.
    return {
      attachments: content.media.map((m) => ({ type: m.type, url: m.url })),
      rich: { kind: "parts", parts: initialParts(content.media) },
    };
  }
  return {
    // The button template's text is what the inbox shows; a carousel shows its first card's title.
    text: content.template.type === "button" ? content.template.text : content.template.elements[0]?.title,
    rich: { kind: outboundKind(content), template: content.template },
  };
}

/** Reads a rich content back (undefined if the item is not one we wrote). */
export function richContentOf(
  rich: RichRecord,
  text: string | undefined,
  attachments: unknown,
): OutboundContent | undefined {
  switch (rich.kind) {
    case "text":
      if (text === undefined) return undefined;
      return {
        text,
        ...(rich.quickReplies === undefined ? {} : { quickReplies: rich.quickReplies }),
        ...(rich.replyTo === undefined ? {} : { replyTo: rich.replyTo }),
      };
    case "images": {
      if (!Array.isArray(attachments)) return undefined;
      const urls = attachments.map((a) => (a as { url?: unknown }).url);
      return urls.every((u): u is string => typeof u === "string") ? { images: urls } : undefined;
    }
    case "parts": {
      if (!Array.isArray(attachments)) return undefined;
      const media = attachments.map((a) => a as { type?: unknown; url?: unknown });
      return media.every((m) => typeof m.type === "string" && typeof m.url === "string")
        ? { media: media as { type: SendableAttachmentType; url: string }[] }
        : undefined;
    }
    case "sticker":
      return rich.sticker === undefined ? undefined : { sticker: rich.sticker };
    case "share":
      return rich.share === undefined ? undefined : { share: rich.share };
    case "button_template":
    case "generic_template":
      return rich.template === undefined ? undefined : { template: rich.template };
    default:
      return undefined;
  }
}

/** A message in parts: its part states (on the parent), or which part an item is (on a part item). */
export function partFieldsOf(item: Record<string, unknown>): Pick<OutboundMessage, "parts" | "part"> {
  const rich = item.rich as { parts?: unknown } | undefined;
  const parts = Array.isArray(rich?.parts) ? (rich.parts as PartRecord[]) : undefined;
  const { parentId, partIndex, partCount } = item;
  const part =
    typeof parentId === "string" && typeof partIndex === "number" && typeof partCount === "number"
      ? { parentId, index: partIndex, count: partCount }
      : undefined;
  return { ...(parts === undefined ? {} : { parts }), ...(part === undefined ? {} : { part }) };
}
