import { createCipheriv, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AppSecrets } from "../../lambdas/contract/secrets";
import type { SealedToken } from "../../lambdas/domain/integration";
import { openToken, sealToken, type TokenKeys, tokenKeysFrom } from "../../lambdas/domain/token-seal";

const TOKEN =
  "IGAAT4JuXFZo2qh20xlReGsaL1dvnyzv0ZzyA0xIfl4c7ZAZxU2zXCot2PoPUtg3SUunWZTRTpysCW9f4CA96qeGs6R3uYEIi7ZBZ5qB4sA9Q0NksyRRM3NQTCmyv4mwaQwSs92m5QQkYOqQAVW3ToA33wQzahGImZDZD";

function secrets(current: string, previous: string[] = []): AppSecrets {
  return {
    appId: "990602627938098",
    appSecret: "app-secret",
    verifyToken: "verify",
    tokenEncryptionKey: current,
    previousTokenEncryptionKeys: previous,
    signingSecrets: ["app-secret"],
  };
}

/** The integration a token belongs to (organisation, user, account). */
const BINDING = { imoId: "org-1", userId: "user-1", igAccountId: "17841462871093525" };

const KEY_A = "TestTokenEncryptionKey0123456789abcdefghijklmnop";
const KEY_B = "AnotherTokenEncryptionKey9876543210zyxwvutsrqpon";

describe("token seal", () => {
  it("round-trips a token and never stores it in clear", () => {
    const keys = tokenKeysFrom(secrets(KEY_A));

    const sealed = sealToken(TOKEN, keys, BINDING);

    expect(openToken(sealed, keys, BINDING)).toBe(TOKEN);
    expect(JSON.stringify(sealed)).not.toContain(TOKEN);
    expect(JSON.stringify(sealed)).not.toContain(KEY_A);
    expect(sealed.keyId).toMatch(/^[A-Za-z0-9_-]{12}$/);
    for (const field of [sealed.iv, sealed.ciphertext, sealed.tag]) expect(field).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(sealed.iv, "base64url")).toHaveLength(12);
  });

  it("uses a fresh IV every time", () => {
    const keys = tokenKeysFrom(secrets(KEY_A));
    const a = sealToken(TOKEN, keys, BINDING);
    const b = sealToken(TOKEN, keys, BINDING);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it("derives the same key id from the same secret and a different one from another", () => {
    expect(tokenKeysFrom(secrets(KEY_A)).current.keyId).toBe(tokenKeysFrom(secrets(KEY_A)).current.keyId);
    expect(tokenKeysFrom(secrets(KEY_A)).current.keyId).not.toBe(tokenKeysFrom(secrets(KEY_B)).current.keyId);
  });

  it("opens tokens sealed under a previous key after a rotation, and seals new ones under the new key", () => {
    const before = tokenKeysFrom(secrets(KEY_A));
    const sealedBefore = sealToken(TOKEN, before, BINDING);
    const after = tokenKeysFrom(secrets(KEY_B, [KEY_A]));

    expect(openToken(sealedBefore, after, BINDING)).toBe(TOKEN);
    expect(sealToken(TOKEN, after, BINDING).keyId).toBe(after.current.keyId);
    expect(after.current.keyId).not.toBe(sealedBefore.keyId);
  });

  it("refuses a token whose key was retired", () => {
    const sealed = sealToken(TOKEN, tokenKeysFrom(secrets(KEY_A)), BINDING);
    expect(() => openToken(sealed, tokenKeysFrom(secrets(KEY_B)), BINDING)).toThrow(/unknown key id/);
  });

  it("detects tampering with any field", () => {
    const keys = tokenKeysFrom(secrets(KEY_A));
    const sealed = sealToken(TOKEN, keys, BINDING);
    const flip = (value: string) => {
      const bytes = Buffer.from(value, "base64url");
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return bytes.toString("base64url");
    };
    expect(() => openToken({ ...sealed, ciphertext: flip(sealed.ciphertext) }, keys, BINDING)).toThrow();
    expect(() => openToken({ ...sealed, iv: flip(sealed.iv) }, keys, BINDING)).toThrow();
    expect(() => openToken({ ...sealed, tag: flip(sealed.tag) }, keys, BINDING)).toThrow();
    expect(() => openToken({ ...sealed, tag: "" }, keys, BINDING)).toThrow();
  });

  it("errors never carry the token or the key", () => {
    const keys = tokenKeysFrom(secrets(KEY_A));
    const sealed = sealToken(TOKEN, keys, BINDING);
    try {
      openToken({ ...sealed, ciphertext: `${sealed.ciphertext.slice(1)}A` }, keys, BINDING);
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain(TOKEN);
      expect(String(error)).not.toContain(KEY_A);
    }
  });

  it("round-trips any string", () => {
    const keys = tokenKeysFrom(secrets(KEY_A));
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme" }),
        (text) => openToken(sealToken(text, keys, BINDING), keys, BINDING) === text,
      ),
    );
  });
});

/** A token sealed the way tokens were before binding: AES-256-GCM with the key id alone as AAD, no marker. */
function sealedBeforeBinding(plaintext: string, keys: TokenKeys): SealedToken {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keys.current.key, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(keys.current.keyId, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return {
    keyId: keys.current.keyId,
    iv: iv.toString("base64url"),
    ciphertext: ciphertext.toString("base64url"),
    tag: cipher.getAuthTag().toString("base64url"),
  };
}

describe("token seal: bound to its integration (AES-GCM additional data)", () => {
  const keys = tokenKeysFrom(secrets(KEY_A));

  it("marks new tokens as bound", () => {
    expect(sealToken(TOKEN, keys, BINDING).aad).toBe(2);
  });

  it.each([
    ["another organisation", { ...BINDING, imoId: "org-2" }],
    ["another user of the organisation", { ...BINDING, userId: "user-2" }],
    ["another account", { ...BINDING, igAccountId: "17841400000000002" }],
    [
      "ids shifted across the boundary",
      { imoId: "org-1user-1", userId: "", igAccountId: BINDING.igAccountId },
    ],
  ])("a token copied onto %s does not open", (_name, other) => {
    const sealed = sealToken(TOKEN, keys, BINDING);
    expect(() => openToken(sealed, keys, other)).toThrow(/authentication failed/);
  });

  it("stripping the marker (to pass a bound token off as an old one) does not open it either", () => {
    const { aad: _aad, ...unmarked } = sealToken(TOKEN, keys, BINDING);
    expect(() => openToken(unmarked, keys, BINDING)).toThrow(/authentication failed/);
  });

  it("an unknown AAD version is refused", () => {
    const sealed = { ...sealToken(TOKEN, keys, BINDING), aad: 3 } as unknown as SealedToken;
    expect(() => openToken(sealed, keys, BINDING)).toThrow(/unknown AAD version/);
  });

  it("migration: a token sealed before binding (no marker) still opens, whatever integration reads it", () => {
    const old = sealedBeforeBinding(TOKEN, keys);
    expect(old.aad).toBeUndefined();
    expect(openToken(old, keys, BINDING)).toBe(TOKEN);
    // Re-sealed at the next refresh or reconnect, it is bound from then on.
    const resealed = sealToken(openToken(old, keys, BINDING), keys, BINDING);
    expect(openToken(resealed, keys, BINDING)).toBe(TOKEN);
    expect(() => openToken(resealed, keys, { ...BINDING, userId: "user-2" })).toThrow();
  });
});
