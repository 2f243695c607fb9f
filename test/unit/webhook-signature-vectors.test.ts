import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { metaJson, signedRequest, signMetaBody } from "../../dev/meta-simulator/signing";
import * as Payloads from "../../dev/meta-simulator/webhook-payloads";
import { FAKE } from "../support/fake-secrets";

// Bodies and signatures copied from shared/reference/webhook-signature-vectors.md.
const VECTOR_A_BODY =
  '{"object":"instagram","entry":[{"time":1773151543080,"id":"17841462871093525","messaging":[{"sender":{"id":"3416870925138842"},"recipient":{"id":"17841462871093525"},"timestamp":1773151542491,"message":{"mid":"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDYyODcxMDkzNTI1OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI2MjI4NDAxNzE5NDk5ODEzOTozMjUzODIyNDc0OTI1OTY3Njk4NDIzOTMwOTg0MTIwOTY0NgZDZD","text":"Hi! Do you still have the linen shirt in size M?"}}]}]}';
const VECTOR_C_BODY =
  '{"object":"instagram","entry":[{"time":1773152128984,"id":"17841462871093525","messaging":[{"sender":{"id":"3416870925138842"},"recipient":{"id":"17841462871093525"},"timestamp":1773152126410,"reaction":{"mid":"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDYyODcxMDkzNTI1OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI2MjI4NDAxNzE5NDk5ODEzOTozMjU3MTk2NTM1MTc2ODEyNjc3ODU1OTgyNDA1ODUwOTkyMAZDZD","action":"react","reaction":"love","emoji":"\\u2764\\ufe0f"}}]}]}';

describe("signMetaBody reproduces the reference vectors", () => {
  it("Vector A with the IG app secret and with the Meta app secret", () => {
    expect(signMetaBody(VECTOR_A_BODY, FAKE.igAppSecret)).toBe(
      "sha256=f0c9c5b00b65ddd124b213a5512a54585e17e6ec088d126037fa423f390a0e42",
    );
    expect(signMetaBody(VECTOR_A_BODY, FAKE.metaAppSecret)).toBe(
      "sha256=9f1192a075d05fac005756c8434221cb3ee3607dc12ab8dc78a78b1634cf1374",
    );
  });

  it("Vector A's legacy sha1 value confirms the body bytes are the reference's", () => {
    expect(createHmac("sha1", FAKE.igAppSecret).update(VECTOR_A_BODY).digest("hex")).toBe(
      "31d7ef9768b55b1a93cb38735533f403985ef02d",
    );
  });

  it("Vector C hashes the escaped bytes, and the raw-UTF-8 re-encoding gives the documented wrong value", () => {
    expect(signMetaBody(VECTOR_C_BODY, FAKE.igAppSecret)).toBe(
      "sha256=92ee0e51ba7e81d8f1bd4b6ae338a94cf0307bd1edb3c6f568baa55dbeaa50c3",
    );
    const decoded = JSON.stringify(JSON.parse(VECTOR_C_BODY));
    expect(decoded).toContain("\u2764\ufe0f");
    expect(signMetaBody(Buffer.from(decoded, "utf8"), FAKE.igAppSecret)).toBe(
      "sha256=166b997172283a761203b5febeb6e696fdad72849792b3888767bd10ef2840dc",
    );
  });
});

describe("metaJson writes bodies byte-identical to Meta's", () => {
  it("re-serialising the parsed vectors gives back the exact bytes", () => {
    expect(metaJson(JSON.parse(VECTOR_A_BODY))).toBe(VECTOR_A_BODY);
    expect(metaJson(JSON.parse(VECTOR_C_BODY))).toBe(VECTOR_C_BODY);
  });

  it("escapes every non-ASCII code unit in lowercase hex, surrogate pairs included", () => {
    expect(metaJson({ t: "café 😀 ❤️" })).toBe('{"t":"caf\\u00e9 \\ud83d\\ude00 \\u2764\\ufe0f"}');
    expect(metaJson({ t: "plain" })).toBe('{"t":"plain"}');
  });

  it("for any value: output is pure ASCII and parses back to the same value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const out = metaJson(value);
        expect([...out].every((ch) => ch.charCodeAt(0) < 0x80)).toBe(true);
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(JSON.parse(metaJson(value, { escapeSlashes: true }))).toEqual(JSON.parse(out));
      }),
      { numRuns: 300 },
    );
  });

  it("escapeSlashes writes PHP-style \\/ and changes the signature", () => {
    const body = { url: "https://cdn.example/a.jpg" };
    expect(metaJson(body, { escapeSlashes: true })).toBe('{"url":"https:\\/\\/cdn.example\\/a.jpg"}');
    expect(signMetaBody(metaJson(body, { escapeSlashes: true }), FAKE.igAppSecret)).not.toBe(
      signMetaBody(metaJson(body), FAKE.igAppSecret),
    );
  });

  it("the payload builders produce Vector A and Vector C exactly", () => {
    const text = Payloads.customerText({
      igAccountId: "17841462871093525",
      igsid: "3416870925138842",
      timestamp: 1773151542491,
      entryTime: 1773151543080,
      mid: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDYyODcxMDkzNTI1OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI2MjI4NDAxNzE5NDk5ODEzOTozMjUzODIyNDc0OTI1OTY3Njk4NDIzOTMwOTg0MTIwOTY0NgZDZD",
      text: "Hi! Do you still have the linen shirt in size M?",
    });
    expect(metaJson(text)).toBe(VECTOR_A_BODY);
    const reaction = Payloads.reaction({
      igAccountId: "17841462871093525",
      igsid: "3416870925138842",
      timestamp: 1773152126410,
      entryTime: 1773152128984,
      mid: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDYyODcxMDkzNTI1OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI2MjI4NDAxNzE5NDk5ODEzOTozMjU3MTk2NTM1MTc2ODEyNjc3ODU1OTgyNDA1ODUwOTkyMAZDZD",
    });
    expect(metaJson(reaction)).toBe(VECTOR_C_BODY);
    expect(signMetaBody(metaJson(reaction), FAKE.igAppSecret)).toBe(
      "sha256=92ee0e51ba7e81d8f1bd4b6ae338a94cf0307bd1edb3c6f568baa55dbeaa50c3",
    );
  });

  it("signatures are lowercase hex and change when one byte changes", () => {
    const sig = signMetaBody(VECTOR_A_BODY, FAKE.igAppSecret);
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signMetaBody(VECTOR_A_BODY.replace("size M", "size L"), FAKE.igAppSecret)).not.toBe(sig);
  });
});

describe("signedRequest reproduces shared/reference/signed-request.md", () => {
  it("Vector 1 (Facebook deauthorize, Meta app secret)", () => {
    expect(
      signedRequest(
        { algorithm: "HMAC-SHA256", issued_at: 1773153000, user_id: "122104593218765432" },
        FAKE.metaAppSecret,
      ),
    ).toBe(
      "kBwfSqN2EP6WbAF3OeQWrJy89a1Tq82_UEl_F0S0xEw.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImlzc3VlZF9hdCI6MTc3MzE1MzAwMCwidXNlcl9pZCI6IjEyMjEwNDU5MzIxODc2NTQzMiJ9",
    );
  });

  it("Vector 2 (data deletion; the signature starts with '-')", () => {
    expect(
      signedRequest(
        {
          algorithm: "HMAC-SHA256",
          expires: 1773156600,
          issued_at: 1773153000,
          user_id: "122104593218765432",
        },
        FAKE.metaAppSecret,
      ),
    ).toBe(
      "-PDWE0n9J6rTDrabiyozoAY7akppWA-pDjjZ-2ETvX4.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImV4cGlyZXMiOjE3NzMxNTY2MDAsImlzc3VlZF9hdCI6MTc3MzE1MzAwMCwidXNlcl9pZCI6IjEyMjEwNDU5MzIxODc2NTQzMiJ9",
    );
  });

  it("Vector 3 (Instagram deauthorize, IG app secret)", () => {
    expect(
      signedRequest(
        { algorithm: "HMAC-SHA256", issued_at: 1773153000, user_id: "26913384755103422" },
        FAKE.igAppSecret,
      ),
    ).toBe(
      "CyxEoxoChM7zRAnd0J0K06y7r1yqSfiA4A7PvExx5b4.eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImlzc3VlZF9hdCI6MTc3MzE1MzAwMCwidXNlcl9pZCI6IjI2OTEzMzg0NzU1MTAzNDIyIn0",
    );
  });
});
