import { describe, expect, it } from "vitest";
import { cached, parseSecretDocument } from "../../lambdas/adapters/secrets";
import type { AppSecrets } from "../../lambdas/contract/secrets";
import { redactingReplacer } from "../../lambdas/platform/redaction";
import { FAKE, secretDocument } from "../support/fake-secrets";

describe("application secret", () => {
  it("parses the document, listing every signing secret", () => {
    const secrets = parseSecretDocument(secretDocument({ META_APP_SECRET: FAKE.metaAppSecret }));
    expect(secrets.signingSecrets).toEqual([FAKE.igAppSecret, FAKE.metaAppSecret]);
    expect(secrets.previousTokenEncryptionKeys).toEqual([]);
  });

  it("names missing fields and never echoes values", () => {
    const doc = JSON.stringify({ INSTAGRAM_APP_ID: "", INSTAGRAM_APP_SECRET: FAKE.igAppSecret });
    expect(() => parseSecretDocument(doc)).toThrow(
      /INSTAGRAM_APP_ID.*INSTAGRAM_WEBHOOK_VERIFY_TOKEN.*TOKEN_ENCRYPTION_KEY/,
    );
    try {
      parseSecretDocument(doc);
    } catch (error) {
      expect(String(error)).not.toContain(FAKE.igAppSecret);
    }
  });

  it("registers loaded secrets so the logger masks them anywhere", () => {
    parseSecretDocument(secretDocument());
    const line = JSON.stringify(
      { message: `calling with ${FAKE.igAppSecret} inside`, nested: { appSecret: "x" } },
      redactingReplacer,
    );
    expect(line).not.toContain(FAKE.igAppSecret);
    expect(line).toContain("[REDACTED]");
    expect(JSON.parse(line).nested.appSecret).toBe("[REDACTED]");
  });

  it("masks Meta token shapes even when nobody registered them", () => {
    const token =
      "IGAATzymMlopiWfqUyHRSIf8NFmAUNLnY5Yx0y3RnjDQlZAZ2Kvf8THRXfEuzcrJaBnx7IfDH5mMDdwin86TkVYCM7l8GQlchbZBZkER0Af7BOfjtNayviHzm5YdOnCqIz0Wiw8SE7diV3TMXVjM8AhghjsllAj7nZDZD";
    const line = JSON.stringify({ message: `GET /me?access_token=${token}` }, redactingReplacer);
    expect(line).not.toContain(token.slice(0, 12));
    expect(line).toContain("access_token=[REDACTED]");
  });

  it("caches for the TTL, shares one in-flight load, and does not cache failures", async () => {
    let now = 0;
    let loads = 0;
    let fail = true;
    const loader = cached(
      async () => {
        loads++;
        if (fail) throw new Error("unavailable");
        return { appId: String(loads) } as unknown as AppSecrets;
      },
      1_000,
      () => now,
    );
    await expect(loader()).rejects.toThrow("unavailable");
    fail = false;
    const [a, b] = await Promise.all([loader(), loader()]);
    expect(a).toBe(b);
    expect(loads).toBe(2);
    now = 999;
    await loader();
    expect(loads).toBe(2);
    now = 2_001;
    expect((await loader()).appId).toBe("3");
  });
});
