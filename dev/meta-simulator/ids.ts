import { randomBytes, randomInt } from "node:crypto";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function alnum(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

/** An Instagram Login user token: `IGAA…ZDZD`, 184 characters. */
export function newAccessToken(): string {
  return `IGAA${alnum(176)}ZDZD`;
}

/** An authorization code as Instagram returns it (`AQ…`). */
export function newAuthCode(): string {
  return `AQ${randomBytes(96).toString("base64url")}`;
}

/** An opaque Instagram message id (`aWdf…ZDZD`, about 160 characters). */
export function newMessageId(): string {
  return `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx${alnum(116)}ZDZD`;
}

/** A trace id as in Graph error envelopes. */
export function newFbtraceId(): string {
  return `A${alnum(22)}`;
}

/** A 16-digit Instagram-scoped user id for a made-up customer. */
export function newIgsid(): string {
  return `3${String(randomInt(1e9)).padStart(9, "0")}${String(randomInt(1e6)).padStart(6, "0")}`;
}
