import { describe, expect, it } from "vitest";
import {
  MAX_SECRET_VALUES,
  maskSecrets,
  redactingReplacer,
  registeredSecretCount,
  registerSecretValue,
} from "../../lambdas/platform/redaction";

/** The one token pattern masks logs and error messages alike: a prefix, then 16 or more token characters. */
const logged = (value: unknown) => JSON.stringify({ message: value }, redactingReplacer);

describe("redaction: one token shape for logs and error messages", () => {
  it("masks a token cut short at 16 characters after its prefix, in a log line and in an error text", () => {
    for (const token of [`IGAA${"a".repeat(16)}`, `EAA${"B".repeat(16)}`, `IGQV${"x1_-".repeat(4)}`]) {
      expect(logged(`bad token ${token} here`)).not.toContain(token);
      expect(maskSecrets(`bad token ${token} here`)).not.toContain(token);
    }
  });

  it("leaves shorter runs and ordinary words alone", () => {
    for (const text of [`IGAA${"a".repeat(15)}`, "EAAB", "the EAA standard"]) {
      expect(JSON.parse(logged(text)).message).toBe(text);
      expect(maskSecrets(text)).toBe(text);
    }
  });

  it("masks a full-length token in both, and a registered secret wherever it appears in a log", () => {
    const token = `IGAA${"z".repeat(150)}ZDZD`;
    expect(logged(token)).not.toContain(token.slice(4, 40));
    expect(maskSecrets(`https://x/y?access_token=${token}`)).toBe("https://x/y?access_token=***");
    registerSecretValue("s3cret-value-9");
    expect(logged("prefix-s3cret-value-9-suffix")).not.toContain("s3cret-value-9");
  });
});

describe("redaction: error codes stay visible, OAuth codes do not", () => {
  const line = (fields: Record<string, unknown>) => JSON.parse(JSON.stringify(fields, redactingReplacer));

  it("keeps our stable error codes and Meta's numeric codes in a 'request rejected' line", () => {
    for (const code of ["oauth.ticket_invalid", "request.invalid", "internal", "send.window_closed"]) {
      expect(line({ message: "request rejected", code, status: 400 }).code).toBe(code);
    }
    expect(line({ code: 190, metaCode: 190 })).toEqual({ code: 190, metaCode: 190 });
  });

  it("still hides an OAuth authorisation code under the key `code`", () => {
    const oauthCode = "AQBx-7hFq3kLmN0pQrStUvWxYz_0123456789abcdefGHIJ";
    expect(line({ code: oauthCode }).code).toBe("[REDACTED]");
    expect(line({ code: `${oauthCode}#_` }).code).toBe("[REDACTED]");
    expect(line({ code: "Has Spaces Or CAPS" }).code).toBe("[REDACTED]");
    expect(line({ code: { nested: "x" } }).code).toBe("[REDACTED]");
  });
});

describe("redaction: registered secret values are bounded", () => {
  it("keeps at most MAX_SECRET_VALUES, dropping the least recently registered first", () => {
    const pinned = "app-secret-registered-again";
    registerSecretValue(pinned);
    for (let i = 0; i < MAX_SECRET_VALUES * 3; i++) {
      registerSecretValue(`opened-token-${i}-abcdef`);
      if (i % 100 === 0) registerSecretValue(pinned); // re-registering keeps it among the most recent
    }
    expect(registeredSecretCount()).toBe(MAX_SECRET_VALUES);
    expect(logged(`x ${pinned} y`)).not.toContain(pinned);
    const recent = `opened-token-${MAX_SECRET_VALUES * 3 - 1}-abcdef`;
    expect(logged(recent)).not.toContain(recent);
    expect(logged("opened-token-0-abcdef")).toContain("opened-token-0-abcdef"); // dropped: no longer held
  });
});
