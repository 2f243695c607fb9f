import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  bothSecrets,
  cached,
  localFileLoader,
  parseCredentialsDocument,
  parseTokenKeyDocument,
} from "../../lambdas/adapters/secrets";
import { CredentialFields, type MetaCredentials, TokenKeyFields } from "../../lambdas/contract/secrets";
import { redactingReplacer } from "../../lambdas/platform/redaction";
import { credentialsDocument, FAKE, secretDocument, tokenKeyDocument } from "../support/fake-secrets";

describe("the Meta credentials secret", () => {
  it("parses the document, listing every signing secret and the Facebook app's id", () => {
    const secrets = parseCredentialsDocument(
      credentialsDocument({ META_APP_ID: "1234", META_APP_SECRET: FAKE.metaAppSecret }),
    );
    expect(secrets.signingSecrets).toEqual([FAKE.igAppSecret, FAKE.metaAppSecret]);
    expect(secrets.metaAppId).toBe("1234");
    expect(secrets.metaAppSecret).toBe(FAKE.metaAppSecret);
  });

  it("treats empty optional fields as unset", () => {
    const secrets = parseCredentialsDocument(credentialsDocument({ META_APP_ID: "", META_APP_SECRET: "" }));
    expect(secrets).not.toHaveProperty("metaAppId");
    expect(secrets).not.toHaveProperty("metaAppSecret");
    expect(secrets.signingSecrets).toEqual([FAKE.igAppSecret]);
  });

  it("never carries a token key, even from a document that still holds one (a stack from before the split)", () => {
    const secrets = parseCredentialsDocument(secretDocument());
    expect(JSON.stringify(secrets)).not.toContain(FAKE.tokenEncryptionKey);
    expect(secrets).not.toHaveProperty("tokenEncryptionKey");
  });

  it("names missing fields and never echoes values", () => {
    const doc = JSON.stringify({ INSTAGRAM_APP_ID: "", INSTAGRAM_APP_SECRET: FAKE.igAppSecret });
    expect(() => parseCredentialsDocument(doc)).toThrow(
      /Meta credentials secret is incomplete: set INSTAGRAM_APP_ID, INSTAGRAM_WEBHOOK_VERIFY_TOKEN$/,
    );
    expect(() => parseCredentialsDocument(doc)).not.toThrow(new RegExp(FAKE.igAppSecret));
  });

  it("registers loaded secrets so the logger masks them anywhere", () => {
    parseCredentialsDocument(credentialsDocument());
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
});

describe("the token-key secret", () => {
  it("parses the current key and the comma-separated earlier ones", () => {
    const previous = "OlderTokenEncryptionKey0123456789abcdefghijklmno";
    const keys = parseTokenKeyDocument(
      tokenKeyDocument({ PREVIOUS_TOKEN_ENCRYPTION_KEYS: ` ${previous} , ` }),
    );
    expect(keys).toEqual({
      tokenEncryptionKey: FAKE.tokenEncryptionKey,
      previousTokenEncryptionKeys: [previous],
    });
    const line = JSON.stringify({ message: `${FAKE.tokenEncryptionKey} and ${previous}` }, redactingReplacer);
    expect(line).not.toContain(FAKE.tokenEncryptionKey);
    expect(line).not.toContain(previous);
  });

  it("refuses a short or missing key, naming the field only", () => {
    expect(() => parseTokenKeyDocument(credentialsDocument())).toThrow(
      /token-key secret is incomplete: set TOKEN_ENCRYPTION_KEY$/,
    );
    expect(() => parseTokenKeyDocument(tokenKeyDocument({ TOKEN_ENCRYPTION_KEY: "short" }))).toThrow(
      /set TOKEN_ENCRYPTION_KEY$/,
    );
  });

  it("never carries Meta credentials", () => {
    const keys = parseTokenKeyDocument(secretDocument());
    expect(JSON.stringify(keys)).not.toContain(FAKE.igAppSecret);
    expect(JSON.stringify(keys)).not.toContain(FAKE.verifyToken);
  });
});

describe("local mode's one secrets file, loaded as the two secrets", () => {
  const write = (content: string) => {
    const path = join(mkdtempSync(join(tmpdir(), "secrets-unit-")), "secrets.json");
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };

  it("each loader reads only its own secret's fields", async () => {
    const path = write(secretDocument());
    const credentials = await localFileLoader(path, CredentialFields, parseCredentialsDocument)();
    const keys = await localFileLoader(path, TokenKeyFields, parseTokenKeyDocument)();
    expect(credentials.appSecret).toBe(FAKE.igAppSecret);
    expect(JSON.stringify(credentials)).not.toContain(FAKE.tokenEncryptionKey);
    expect(keys.tokenEncryptionKey).toBe(FAKE.tokenEncryptionKey);
    expect(JSON.stringify(keys)).not.toContain(FAKE.igAppSecret);
  });

  it("a file without the token key still serves the credentials, and the key loader names what is missing", async () => {
    const path = write(credentialsDocument());
    expect((await localFileLoader(path, CredentialFields, parseCredentialsDocument)()).appId).toBe(
      FAKE.appId,
    );
    await expect(localFileLoader(path, TokenKeyFields, parseTokenKeyDocument)()).rejects.toThrow(
      /token-key secret is incomplete: set TOKEN_ENCRYPTION_KEY/,
    );
  });

  it("a file that is not JSON fails without echoing its content", async () => {
    const path = write(`not json ${FAKE.igAppSecret}`);
    const load = localFileLoader(path, CredentialFields, parseCredentialsDocument);
    await expect(load()).rejects.toThrow(/is not a JSON object/);
    await expect(load()).rejects.not.toThrow(new RegExp(FAKE.igAppSecret));
  });
});

describe("loaders", () => {
  it("cache for the TTL, share one in-flight load, and do not cache failures", async () => {
    let now = 0;
    let loads = 0;
    let fail = true;
    const loader = cached(
      async () => {
        loads++;
        if (fail) throw new Error("unavailable");
        return { appId: String(loads) } as unknown as MetaCredentials;
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

  it("both secrets: one object while neither changed, a new one when either did", async () => {
    let credentials = parseCredentialsDocument(credentialsDocument());
    const key = parseTokenKeyDocument(tokenKeyDocument());
    const load = bothSecrets(
      async () => credentials,
      async () => key,
    );
    const first = await load();
    expect(first.appSecret).toBe(FAKE.igAppSecret);
    expect(first.tokenEncryptionKey).toBe(FAKE.tokenEncryptionKey);
    expect(await load()).toBe(first);
    credentials = parseCredentialsDocument(
      credentialsDocument({ INSTAGRAM_WEBHOOK_VERIFY_TOKEN: "rotated" }),
    );
    const second = await load();
    expect(second).not.toBe(first);
    expect(second.verifyToken).toBe("rotated");
  });

  it("both secrets: a missing key secret fails the load (a function granted both needs both)", async () => {
    const load = bothSecrets(
      async () => parseCredentialsDocument(credentialsDocument()),
      async () => {
        throw new Error("AccessDeniedException");
      },
    );
    await expect(load()).rejects.toThrow("AccessDeniedException");
  });
});
