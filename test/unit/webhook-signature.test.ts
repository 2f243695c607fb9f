import { describe, expect, it } from "vitest";
import { constantTimeEqual, verifySignature } from "../../lambdas/domain/webhook/signature";
import { FAKE } from "../support/fake-secrets";
import { fixtureText } from "../support/webhook-fixtures";

// shared/reference/webhook-signature-vectors.md
const VECTOR_A =
  '{"object":"instagram","entry":[{"time":1773151543080,"id":"17841462871093525","messaging":[{"sender":{"id":"3416870925138842"},"recipient":{"id":"17841462871093525"},"timestamp":1773151542491,"message":{"mid":"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDYyODcxMDkzNTI1OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI2MjI4NDAxNzE5NDk5ODEzOTozMjUzODIyNDc0OTI1OTY3Njk4NDIzOTMwOTg0MTIwOTY0NgZDZD","text":"Hi! Do you still have the linen shirt in size M?"}}]}]}';
const A_IG = "sha256=f0c9c5b00b65ddd124b213a5512a54585e17e6ec088d126037fa423f390a0e42";
const A_META = "sha256=9f1192a075d05fac005756c8434221cb3ee3607dc12ab8dc78a78b1634cf1374";
const B_IG = "sha256=c2a4e378fceec0ef0a9f2c2e876e9ef826e0d73c09aeab54bdcd878479b7172f";
const VECTOR_C =
  '{"object":"instagram","entry":[{"time":1773152128984,"id":"17841462871093525","messaging":[{"sender":{"id":"3416870925138842"},"recipient":{"id":"17841462871093525"},"timestamp":1773152126410,"reaction":{"mid":"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDYyODcxMDkzNTI1OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI2MjI4NDAxNzE5NDk5ODEzOTozMjU3MTk2NTM1MTc2ODEyNjc3ODU1OTgyNDA1ODUwOTkyMAZDZD","action":"react","reaction":"love","emoji":"\\u2764\\ufe0f"}}]}]}';
const C_RIGHT = "sha256=92ee0e51ba7e81d8f1bd4b6ae338a94cf0307bd1edb3c6f568baa55dbeaa50c3";
const C_WRONG = "sha256=166b997172283a761203b5febeb6e696fdad72849792b3888767bd10ef2840dc";

const bytes = (text: string) => Buffer.from(text, "utf8");
const BOTH = [FAKE.igAppSecret, FAKE.metaAppSecret];

describe("X-Hub-Signature-256 verification against the reference vectors", () => {
  it("Vector A: matches with the Instagram app secret and with the Meta app secret when both are configured", () => {
    expect(verifySignature(bytes(VECTOR_A), A_IG, BOTH)).toBe(true);
    expect(verifySignature(bytes(VECTOR_A), A_META, BOTH)).toBe(true);
  });

  it("Vector A: a secret that is not configured does not verify", () => {
    expect(verifySignature(bytes(VECTOR_A), A_META, [FAKE.igAppSecret])).toBe(false);
    expect(verifySignature(bytes(VECTOR_A), A_IG, [FAKE.metaAppSecret])).toBe(false);
  });

  it("Vector B: the pretty-printed fixture file's exact bytes (648, trailing newline)", () => {
    const file = bytes(fixtureText("ig-message-text.json"));
    expect(file.length).toBe(648);
    expect(verifySignature(file, B_IG, BOTH)).toBe(true);
    expect(verifySignature(file, A_IG, BOTH)).toBe(false);
  });

  it("Vector C: the escaped-unicode bytes verify; the re-encoded (raw UTF-8) signature must not", () => {
    expect(VECTOR_C).toContain("\\u2764\\ufe0f");
    expect(verifySignature(bytes(VECTOR_C), C_RIGHT, BOTH)).toBe(true);
    expect(verifySignature(bytes(VECTOR_C), C_WRONG, BOTH)).toBe(false);
    const reencoded = bytes(JSON.stringify(JSON.parse(VECTOR_C)));
    expect(verifySignature(reencoded, C_RIGHT, BOTH)).toBe(false);
  });

  it.each([
    ["missing header", undefined],
    ["empty header", ""],
    ["no sha256= prefix", A_IG.slice("sha256=".length)],
    ["legacy sha1 header", "sha1=31d7ef9768b55b1a93cb38735533f403985ef02d"],
    ["truncated hex", A_IG.slice(0, -2)],
    ["one hex digit too many", `${A_IG}0`],
    ["non-hex characters", `sha256=${"z".repeat(64)}`],
    ["another prefix", A_IG.replace("sha256=", "sha512=")],
  ])("rejects a %s", (_name, header) => {
    expect(verifySignature(bytes(VECTOR_A), header, BOTH)).toBe(false);
  });

  it("compares decoded bytes, so uppercase hex of the right digest still matches", () => {
    expect(verifySignature(bytes(VECTOR_A), `sha256=${A_IG.slice(7).toUpperCase()}`, BOTH)).toBe(true);
  });

  it("rejects a body changed by one byte, and a signature over different bytes", () => {
    const changed = bytes(VECTOR_A.replace("size M", "size L"));
    expect(verifySignature(changed, A_IG, BOTH)).toBe(false);
    expect(verifySignature(bytes(`${VECTOR_A}\n`), A_IG, BOTH)).toBe(false);
  });

  it("rejects everything when no secret is configured", () => {
    expect(verifySignature(bytes(VECTOR_A), A_IG, [])).toBe(false);
  });
});

describe("constantTimeEqual", () => {
  it("is plain equality, for any lengths", () => {
    expect(constantTimeEqual("my_verify_token_12345", "my_verify_token_12345")).toBe(true);
    expect(constantTimeEqual("my_verify_token_12345", "my_verify_token_1234")).toBe(false);
    expect(constantTimeEqual("", "x")).toBe(false);
  });
});
