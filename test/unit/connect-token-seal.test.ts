import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AppSecrets } from "../../lambdas/contract/secrets";
import { openToken, sealToken, tokenKeysFrom } from "../../lambdas/domain/token-seal";

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

const KEY_A = "TestTokenEncryptionKey0123456789abcdefghijklmnop";
const KEY_B = "AnotherTokenEncryptionKey9876543210zyxwvutsrqpon";

describe("token seal", () => {
  it("round-trips a token and never stores it in clear", () => {
    const keys = tokenKeysFrom(secrets(KEY_A));

    const sealed = sealToken(TOKEN, keys);

    expect(openToken(sealed, keys)).toBe(TOKEN);
    expect(JSON.stringify(sealed)).not.toContain(TOKEN);
    expect(JSON.stringify(sealed)).not.toContain(KEY_A);
    expect(sealed.keyId).toMatch(/^[A-Za-z0-9_-]{12}$/);
    for (const field of [sealed.iv, sealed.ciphertext, sealed.tag]) expect(field).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(sealed.iv, "base64url")).toHaveLength(12);
  });

  it("uses a fresh IV every time", () => {
    const keys = tokenKeysFrom(secrets(KEY_A));
    const a = sealToken(TOKEN, keys);
    const b = sealToken(TOKEN, keys);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it("derives the same key id from the same secret and a different one from another", () => {
    expect(tokenKeysFrom(secrets(KEY_A)).current.keyId).toBe(tokenKeysFrom(secrets(KEY_A)).current.keyId);
    expect(tokenKeysFrom(secrets(KEY_A)).current.keyId).not.toBe(tokenKeysFrom(secrets(KEY_B)).current.keyId);
  });

  it("opens tokens sealed under a previous key after a rotation, and seals new ones under the new key", () => {
    const before = tokenKeysFrom(secrets(KEY_A));
    const sealedBefore = sealToken(TOKEN, before);
    const after = tokenKeysFrom(secrets(KEY_B, [KEY_A]));

    expect(openToken(sealedBefore, after)).toBe(TOKEN);
    expect(sealToken(TOKEN, after).keyId).toBe(after.current.keyId);
    expect(after.current.keyId).not.toBe(sealedBefore.keyId);
  });

  it("refuses a token whose key was retired", () => {
    const sealed = sealToken(TOKEN, tokenKeysFrom(secrets(KEY_A)));
    expect(() => openToken(sealed, tokenKeysFrom(secrets(KEY_B)))).toThrow(/unknown key id/);
  });

  it("detects tampering with any field", () => {
    const keys = tokenKeysFrom(secrets(KEY_A));
    const sealed = sealToken(TOKEN, keys);
    const flip = (value: string) => {
      const bytes = Buffer.from(value, "base64url");
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return bytes.toString("base64url");
    };
    expect(() => openToken({ ...sealed, ciphertext: flip(sealed.ciphertext) }, keys)).toThrow();
    expect(() => openToken({ ...sealed, iv: flip(sealed.iv) }, keys)).toThrow();
    expect(() => openToken({ ...sealed, tag: flip(sealed.tag) }, keys)).toThrow();
    expect(() => openToken({ ...sealed, tag: "" }, keys)).toThrow();
  });

  it("errors never carry the token or the key", () => {
    const keys = tokenKeysFrom(secrets(KEY_A));
    const sealed = sealToken(TOKEN, keys);
    try {
      openToken({ ...sealed, ciphertext: `${sealed.ciphertext.slice(1)}A` }, keys);
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain(TOKEN);
      expect(String(error)).not.toContain(KEY_A);
    }
  });

  it("round-trips any string", () => {
    const keys = tokenKeysFrom(secrets(KEY_A));
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => openToken(sealToken(text, keys), keys) === text),
    );
  });
});
