import type { IdempotencyRecord } from "../../domain/outbound/ports";
import { ttlSeconds } from "./dates";
import { Keys } from "./keys";

/** How long an Idempotency-Key is remembered (TTL on `expiresAt`, epoch seconds). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** The item remembering which message an Idempotency-Key created, and the hash of the request. */
export function idempotencyItem(
  imoId: string,
  userId: string,
  key: string,
  record: IdempotencyRecord,
  now: number,
): Record<string, unknown> {
  return {
    ...Keys.idempotencyKey(imoId, userId, key),
    entity: "idempotency",
    messageId: record.messageId,
    requestHash: record.requestHash,
    createdAt: now,
    expiresAt: ttlSeconds(now + IDEMPOTENCY_TTL_MS),
  };
}

/** Reads a key's item back; an expired item that TTL has not removed yet counts as absent. */
export function idempotencyFromItem(
  item: Record<string, unknown> | undefined,
  now: number,
): IdempotencyRecord | undefined {
  if (item === undefined) return undefined;
  if (typeof item.expiresAt === "number" && item.expiresAt * 1000 <= now) return undefined;
  if (typeof item.messageId !== "string" || typeof item.requestHash !== "string") return undefined;
  return { messageId: item.messageId, requestHash: item.requestHash };
}
