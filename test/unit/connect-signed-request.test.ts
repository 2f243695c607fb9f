import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifySignedRequest } from "../../lambdas/domain/connect/signed-request";
import { AppError } from "../../lambdas/domain/errors";

// Vectors from shared/reference/signed-request.md (fake secrets, real signatures).
const META_SECRET = "c8f1a2b3d4e5f60718293a4b5c6d7e8f";
const IG_SECRET = "5d2e9f7a1b3c4d6e8f0a1b2c3d4e5f6a";
const V1 =
  "kBwfSqN2EP6WbAF3OeQWrJy89a1Tq82_UEl_F0S0xEw.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImlzc3VlZF9hdCI6MTc3MzE1MzAwMCwidXNlcl9pZCI6IjEyMjEwNDU5MzIxODc2NTQzMiJ9";
const V2 =
  "-PDWE0n9J6rTDrabiyozoAY7akppWA-pDjjZ-2ETvX4.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImV4cGlyZXMiOjE3NzMxNTY2MDAsImlzc3VlZF9hdCI6MTc3MzE1MzAwMCwidXNlcl9pZCI6IjEyMjEwNDU5MzIxODc2NTQzMiJ9";
const V3 =
  "CyxEoxoChM7zRAnd0J0K06y7r1yqSfiA4A7PvExx5b4.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImlzc3VlZF9hdCI6MTc3MzE1MzAwMCwidXNlcl9pZCI6IjI2OTEzMzg0NzU1MTAzNDIyIn0";
const V4 =
  "kBwfSqN2EP6WbAF3OeQWrJy89a1Tq82_UEl_F0S0xEw.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImlzc3VlZF9hdCI6MTc3MzE1MzAwMCwidXNlcl9pZCI6IjEyMjEwNDU5MzIxODc2NTQzMyJ9";

function sign(payload: object | string, secret: string): string {
  const encoded = Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload)).toString(
    "base64url",
  );
  return `${createHmac("sha256", secret).update(encoded).digest("base64url")}.${encoded}`;
}

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return error instanceof AppError ? error.code : `not an AppError: ${String(error)}`;
  }
  return undefined;
}

describe("signed_request verification", () => {
  it("accepts vector 1 (Facebook deauthorize) with the Meta app secret among the signing secrets", () => {
    const payload = verifySignedRequest(V1, [IG_SECRET, META_SECRET]);
    expect(payload).toEqual({ userId: "122104593218765432", algorithm: "HMAC-SHA256", issuedAt: 1773153000 });
  });

  it("accepts vector 2 (data deletion; signature starts with '-')", () => {
    const payload = verifySignedRequest(V2, [META_SECRET]);
    expect(payload.userId).toBe("122104593218765432");
    expect(payload.expires).toBe(1773156600);
  });

  it("accepts vector 3 (Instagram Login deauthorize) with the Instagram app secret", () => {
    expect(verifySignedRequest(V3, [IG_SECRET]).userId).toBe("26913384755103422");
  });

  it("rejects vector 4 (tampered payload) as a signature mismatch", () => {
    expect(codeOf(() => verifySignedRequest(V4, [IG_SECRET, META_SECRET]))).toBe(
      "signed_request.signature_invalid",
    );
  });

  it("rejects a valid signature made with a secret that is not ours", () => {
    expect(codeOf(() => verifySignedRequest(V1, [IG_SECRET]))).toBe("signed_request.signature_invalid");
  });

  it.each([
    ["no dot", "abcdef"],
    ["empty signature", `.${V1.split(".")[1]}`],
    ["empty payload", `${V1.split(".")[0]}.`],
    ["not base64url", "a+b/c.d+e/f"],
    ["empty", ""],
  ])("rejects a malformed value (%s)", (_name, value) => {
    expect(codeOf(() => verifySignedRequest(value, [META_SECRET]))).toBe("signed_request.invalid");
  });

  it("rejects another algorithm even when correctly signed, and accepts the name in any case", () => {
    const wrong = sign({ algorithm: "HMAC-SHA1", user_id: "1" }, IG_SECRET);
    expect(codeOf(() => verifySignedRequest(wrong, [IG_SECRET]))).toBe("signed_request.invalid");
    const lower = sign({ algorithm: "hmac-sha256", user_id: "12" }, IG_SECRET);
    expect(verifySignedRequest(lower, [IG_SECRET]).userId).toBe("12");
  });

  it("rejects a correctly signed payload that is not JSON or has no user_id", () => {
    expect(codeOf(() => verifySignedRequest(sign("not json", IG_SECRET), [IG_SECRET]))).toBe(
      "signed_request.invalid",
    );
    expect(
      codeOf(() => verifySignedRequest(sign({ algorithm: "HMAC-SHA256" }, IG_SECRET), [IG_SECRET])),
    ).toBe("signed_request.invalid");
  });

  it("tolerates a trailing '=' on either part", () => {
    const [sig, payload] = V3.split(".");
    expect(verifySignedRequest(`${sig}=.${payload}`, [IG_SECRET]).userId).toBe("26913384755103422");
    expect(verifySignedRequest(`${sig}.${payload}=`, [IG_SECRET]).userId).toBe("26913384755103422");
  });

  it("keeps a numeric user_id beyond 2^53 exact", () => {
    const value = sign('{"algorithm":"HMAC-SHA256","user_id":26913384755103422}', IG_SECRET);
    expect(verifySignedRequest(value, [IG_SECRET]).userId).toBe("26913384755103422");
  });
});
