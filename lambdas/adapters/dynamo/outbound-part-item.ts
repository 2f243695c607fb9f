import type { OutboundStatus } from "../../domain/message";
import { type PartRecord, partId } from "../../domain/outbound/parts";
import type { OutboundMessage } from "../../domain/outbound/ports";
import { Keys } from "./keys";
import { outboundItem } from "./outbound-item";

/* The items of a message in parts (docs/outbound.md, "Parts"); their transitions live in outbound-parts.ts. */

type Item = Record<string, unknown>;

/** The stored item of a part: an outbound message item without the conversation index, linked to its parent. */
export function partItem(part: OutboundMessage, now: number): Item {
  const { gsi1pk: _pk, gsi1sk: _sk, ...item } = outboundItem(part, now);
  return {
    ...item,
    entity: "messagePart",
    parentId: part.part?.parentId,
    partIndex: part.part?.index,
    partCount: part.part?.count,
  };
}

/** The keys a message in parts owns beyond its own item: every part item and each sent part's mid pointer. */
export function partKeys(imoId: string, message: Item): { pk: string; sk: string }[] {
  const parts = (message.rich as { parts?: unknown } | undefined)?.parts;
  if (!Array.isArray(parts) || typeof message.messageId !== "string") return [];
  const parentId = message.messageId;
  return parts.flatMap((part: { mid?: unknown }, index) => [
    Keys.message(imoId, partId(parentId, index)),
    ...(typeof part.mid === "string" ? [Keys.sentMid(imoId, part.mid)] : []),
  ]);
}

/** The parent's record of a part once it has moved. */
export function partRecord(part: OutboundMessage, status: OutboundStatus, extra: Partial<PartRecord> = {}) {
  const { content } = part;
  const record: PartRecord =
    "images" in content
      ? { kind: "images", media: content.images.length, status }
      : { kind: "attachment", media: 1, status };
  return { ...record, ...extra };
}
