import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** Meta's header: `sha256=` then 64 hex digits (lowercase in practice; compared as bytes after decoding). */
const SIGNATURE_HEADER = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Whether `X-Hub-Signature-256` is an HMAC-SHA256 of exactly these body bytes under one of the secrets
 * (Instagram app secret, and the Meta app secret when configured). The raw bytes are hashed as received:
 * Meta signs the escaped-unicode text, so re-encoding the body would break the match. Constant time per secret.
 */
export function verifySignature(
  body: Uint8Array,
  header: string | undefined,
  secrets: readonly string[],
): boolean {
  const match = header === undefined ? null : SIGNATURE_HEADER.exec(header.trim());
  const hex = match?.[1];
  if (hex === undefined) return false;
  const received = Buffer.from(hex, "hex");
  let valid = false;
  for (const secret of secrets) {
    const expected = createHmac("sha256", secret).update(body).digest();
    if (timingSafeEqual(expected, received)) valid = true;
  }
  return valid;
}

/** The header value Meta would send for this body; tests and the local simulator use it. */
export function signatureHeader(body: Uint8Array | string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Constant-time string equality that does not leak the length either (both sides are hashed first). */
export function constantTimeEqual(a: string, b: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b));
}
