import { describe, expect, it } from "vitest";
import { AppError, ValidationError } from "../../lambdas/domain/errors";
import type { IngestDependencies } from "../../lambdas/domain/webhook/ports";
import { receiveDelivery } from "../../lambdas/domain/webhook/receive";
import { signatureHeader } from "../../lambdas/domain/webhook/signature";
import { jsonBody, textBody } from "../../lambdas/http/request";
import { signedRequestForm } from "../../lambdas/http/signed-request-form";
import { httpEvent } from "../support/http-event";

/** `caf\xe9\xff`: Latin-1 é and a byte that never occurs in UTF-8. */
const NOT_UTF8 = Buffer.concat([Buffer.from('{"text":"caf'), Buffer.from([0xe9, 0xff]), Buffer.from('"}')]);

const post = (body: Buffer, contentType = "application/json") =>
  httpEvent({ method: "POST", route: "/x", headers: { "content-type": contentType }, body });

describe("bodies are decoded as strict UTF-8", () => {
  it("a JSON body with invalid bytes is a 400 naming the body, never replacement characters", () => {
    const error = (() => {
      try {
        jsonBody(post(NOT_UTF8), { safeParse: (v: unknown) => ({ success: true, data: v }) } as never);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields).toEqual([
      { field: "body", message: "Body is not valid UTF-8" },
    ]);
  });

  it("valid UTF-8, multi-byte included, decodes as sent", () => {
    expect(textBody(post(Buffer.from('{"text":"café ❤️"}')))).toBe('{"text":"café ❤️"}');
  });

  it("a signed_request form with invalid bytes is a 400", () => {
    const form = Buffer.concat([Buffer.from("signed_request=a."), Buffer.from([0xff])]);
    expect(() => signedRequestForm(post(form, "application/x-www-form-urlencoded"))).toThrow(ValidationError);
  });

  it("a webhook delivery: the signature is checked over the raw bytes first, then invalid UTF-8 is refused", async () => {
    const deps = {} as IngestDependencies & { count: (name: string) => void };
    const counted: string[] = [];
    deps.count = (name: string) => void counted.push(name);
    const secret = "app-secret-for-utf8";
    // Unsigned (or wrongly signed): the signature answer, whatever the bytes.
    await expect(receiveDelivery(NOT_UTF8, "sha256=00", [secret], deps)).rejects.toMatchObject({
      code: "webhook.signature_invalid",
    });
    // Correctly signed over those very bytes: verified, then refused as a body that is not UTF-8.
    const signed = await receiveDelivery(NOT_UTF8, signatureHeader(NOT_UTF8, secret), [secret], deps).catch(
      (caught: unknown) => caught,
    );
    expect(signed).toBeInstanceOf(AppError);
    expect(signed).toMatchObject({ code: "webhook.body_invalid", detail: "The body is not valid UTF-8." });
  });
});
