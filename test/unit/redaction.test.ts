import { describe, expect, it } from "vitest";
import { maskSecrets, redactingReplacer, registerSecretValue } from "../../lambdas/platform/redaction";

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
