import { createHmac, timingSafeEqual } from "node:crypto";
import { isLosslessNumber, parse } from "lossless-json";
import { AppError } from "../errors";

/** The verified payload of a deauthorize or data deletion `signed_request`. */
export interface SignedRequestPayload {
  /** App-scoped user id, kept a string with all its digits. */
  readonly userId: string;
  readonly algorithm: string;
  readonly issuedAt?: number;
  readonly expires?: number;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function decodePart(part: string): Buffer | undefined {
  const unpadded = part.replace(/=+$/, "");
  return unpadded !== "" && BASE64URL.test(unpadded) ? Buffer.from(unpadded, "base64url") : undefined;
}

function digitsOrString(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (isLosslessNumber(value)) return value.toString();
  return undefined;
}

function numberOf(value: unknown): number | undefined {
  if (isLosslessNumber(value)) return value.valueOf() as number;
  return typeof value === "number" ? value : undefined;
}

/**
 * Verifies `<base64url sig>.<base64url payload>`: HMAC-SHA256 of the payload text with any of the signing
 * secrets, compared in constant time, BEFORE the payload is trusted; then the algorithm (case-insensitive).
 * Malformed → `signed_request.invalid` (400); signature mismatch → `signed_request.signature_invalid` (403).
 */
export function verifySignedRequest(value: string, secrets: readonly string[]): SignedRequestPayload {
  const dot = value.indexOf(".");
  if (dot <= 0 || dot === value.length - 1)
    throw new AppError("signed_request.invalid", "Expected <signature>.<payload>.");
  const encodedSig = value.slice(0, dot);
  const payload = value.slice(dot + 1);
  const given = decodePart(encodedSig);
  const payloadBytes = decodePart(payload);
  if (given === undefined || payloadBytes === undefined) {
    throw new AppError("signed_request.invalid", "The parts are not base64url.");
  }
  // Meta signs the payload text as received; should a sender pad it with `=`, the unpadded text is tried too.
  const signedTexts = [...new Set([payload, payload.replace(/=+$/, "")])];
  const matches = secrets.some((secret) =>
    signedTexts.some((text) => {
      const expected = createHmac("sha256", secret).update(text, "utf8").digest();
      return expected.length === given.length && timingSafeEqual(expected, given);
    }),
  );
  if (!matches) throw new AppError("signed_request.signature_invalid");

  let data: unknown;
  try {
    data = parse(payloadBytes.toString("utf8"));
  } catch {
    throw new AppError("signed_request.invalid", "The payload is not JSON.");
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new AppError("signed_request.invalid", "The payload is not a JSON object.");
  }
  const fields = data as Record<string, unknown>;
  const algorithm = fields.algorithm;
  if (typeof algorithm !== "string" || algorithm.toUpperCase() !== "HMAC-SHA256") {
    throw new AppError("signed_request.invalid", "Unsupported algorithm.");
  }
  const userId = digitsOrString(fields.user_id);
  if (userId === undefined || !/^\d{1,30}$/.test(userId)) {
    throw new AppError("signed_request.invalid", "The payload has no user_id.");
  }
  const issuedAt = numberOf(fields.issued_at);
  const expires = numberOf(fields.expires);
  return {
    userId,
    algorithm,
    ...(issuedAt === undefined ? {} : { issuedAt }),
    ...(expires === undefined ? {} : { expires }),
  };
}

/**
 * How old a signed_request may be. Meta documents no window for `issued_at`; its data deletion example carries
 * `expires` = `issued_at` + 3600, so an hour is what Meta itself treats as the life of one (docs/connect-flow.md).
 */
export const SIGNED_REQUEST_MAX_AGE_SECONDS = 3600;
/** Clock skew tolerated for an `issued_at` in the future. */
export const SIGNED_REQUEST_SKEW_SECONDS = 300;

/**
 * Refuses a payload without `issued_at`, issued more than an hour ago, from the future beyond the skew, or past
 * its `expires`: a captured signed_request cannot be replayed later to revoke or erase someone's data.
 */
export function assertFresh(payload: SignedRequestPayload, nowMs: number): void {
  const now = Math.floor(nowMs / 1000);
  const issuedAt = payload.issuedAt;
  if (issuedAt === undefined || !Number.isFinite(issuedAt))
    throw new AppError("signed_request.invalid", "The payload has no issued_at.");
  if (issuedAt < now - SIGNED_REQUEST_MAX_AGE_SECONDS || issuedAt > now + SIGNED_REQUEST_SKEW_SECONDS)
    throw new AppError("signed_request.stale");
  if (payload.expires !== undefined && payload.expires + SIGNED_REQUEST_SKEW_SECONDS < now)
    throw new AppError("signed_request.stale");
}
