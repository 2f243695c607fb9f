import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import type { SealedToken } from "./integration";

/** One AES-256 key and its fingerprint. */
export interface TokenKey {
  readonly keyId: string;
  readonly key: Buffer;
}

/** The key that seals new tokens, and every key (current first) that may open a stored one. */
export interface TokenKeys {
  readonly current: TokenKey;
  readonly all: readonly TokenKey[];
}

const ALGORITHM = "aes-256-gcm";
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Versioned so a future change of derivation cannot open (or be confused with) tokens sealed by this one.
const HKDF_INFO = "instagram-dm/token-seal/v1";

/** Derives a key from the secret string (HKDF-SHA256); its id is a short fingerprint that reveals nothing. */
export function tokenKeyFrom(secret: string): TokenKey {
  const key = Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), HKDF_INFO, 32));
  const keyId = createHash("sha256").update("key-id:").update(key).digest("base64url").slice(0, 12);
  return { keyId, key };
}

/** The key material tokens are sealed with: the current secret and earlier ones still accepted for opening. */
export interface TokenKeyMaterial {
  readonly tokenEncryptionKey: string;
  readonly previousTokenEncryptionKeys: readonly string[];
}

/** The current key from TOKEN_ENCRYPTION_KEY, plus earlier keys still accepted for opening. */
export function tokenKeysFrom(material: TokenKeyMaterial): TokenKeys {
  const current = tokenKeyFrom(material.tokenEncryptionKey);
  const previous = material.previousTokenEncryptionKeys
    .map(tokenKeyFrom)
    .filter((candidate) => candidate.keyId !== current.keyId);
  return { current, all: [current, ...previous] };
}

/** The integration a token belongs to: sealed into the AES-GCM additional data, so it opens only there. */
export interface TokenBinding {
  readonly imoId: string;
  readonly userId: string;
  readonly igAccountId: string;
}

/** The marker of tokens sealed with the binding; tokens sealed before it have none (AAD = key id only). */
export const BOUND_AAD_VERSION = 2;

/**
 * The additional authenticated data of a bound token: organisation, user, account and key id, as a JSON
 * array so no id can run into the next (ids may hold any character but `#`; JSON escapes the rest).
 */
function boundAad(binding: TokenBinding, keyId: string): Buffer {
  const parts = ["token-seal/aad/v2", binding.imoId, binding.userId, binding.igAccountId, keyId];
  return Buffer.from(JSON.stringify(parts), "utf8");
}

/**
 * Encrypts a token with AES-256-GCM under the current key and a fresh random 96-bit IV, bound to its
 * integration: copied onto another integration (another organisation, user or account), it does not open.
 */
export function sealToken(plaintext: string, keys: TokenKeys, binding: TokenBinding): SealedToken {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, keys.current.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(boundAad(binding, keys.current.keyId));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return {
    keyId: keys.current.keyId,
    iv: iv.toString("base64url"),
    ciphertext: ciphertext.toString("base64url"),
    tag: cipher.getAuthTag().toString("base64url"),
    aad: BOUND_AAD_VERSION,
  };
}

/** The error every unopenable token raises; it never carries key material or ciphertext. */
export class TokenSealError extends Error {
  constructor(reason: string) {
    super(`Sealed token cannot be opened: ${reason}`);
    this.name = "TokenSealError";
  }
}

/**
 * Decrypts a sealed token with the key its `keyId` names, for the integration it is read from; unknown key,
 * another integration's token or any tampering throws. Tokens sealed before binding (no `aad` marker) still
 * open with their key id as AAD; they are re-sealed bound at their next refresh or reconnect.
 */
export function openToken(sealed: SealedToken, keys: TokenKeys, binding: TokenBinding): string {
  const key = keys.all.find((candidate) => candidate.keyId === sealed.keyId);
  if (key === undefined) throw new TokenSealError("unknown key id");
  const iv = Buffer.from(sealed.iv, "base64url");
  const tag = Buffer.from(sealed.tag, "base64url");
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new TokenSealError("malformed");
  if (sealed.aad !== undefined && sealed.aad !== BOUND_AAD_VERSION)
    throw new TokenSealError("unknown AAD version");
  try {
    const decipher = createDecipheriv(ALGORITHM, key.key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(
      sealed.aad === BOUND_AAD_VERSION ? boundAad(binding, sealed.keyId) : Buffer.from(sealed.keyId, "utf8"),
    );
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([
      decipher.update(Buffer.from(sealed.ciphertext, "base64url")),
      decipher.final(),
    ]);
    return plaintext.toString("utf8");
  } catch {
    throw new TokenSealError("authentication failed");
  }
}
