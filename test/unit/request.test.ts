import { describe, expect, it } from "vitest";
import * as z from "zod";
import { AppError, ValidationError } from "../../lambdas/domain/errors";
import { jsonBody, queryParams, rawBody, tenantOf } from "../../lambdas/http/request";
import { httpEvent } from "../support/http-event";

const claimNames = { userId: "sub", imoId: "imo_id" };

describe("request helpers", () => {
  it("returns the raw bytes, decoding base64 bodies", () => {
    const bytes = Buffer.from([0x7b, 0xe2, 0x9d, 0xa4, 0x7d]);
    expect(rawBody(httpEvent({ method: "POST", route: "/x", body: bytes }))).toEqual(bytes);
    expect(rawBody(httpEvent({ method: "POST", route: "/x", body: "abc" })).toString()).toBe("abc");
  });

  it("validates a JSON body and reports every bad field with its location", () => {
    const schema = z.strictObject({ text: z.string().min(1), count: z.number().int() });
    const event = httpEvent({
      method: "POST",
      route: "/x",
      headers: { "Content-Type": "application/json; charset=utf-8" },
      body: JSON.stringify({ text: "", count: 1.5 }),
    });
    try {
      jsonBody(event, schema);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields.map((f) => f.field)).toEqual(["body.text", "body.count"]);
    }
  });

  it("rejects a non-JSON content type with 415 and invalid JSON with 400", () => {
    const schema = z.object({});
    const wrongType = httpEvent({
      method: "POST",
      route: "/x",
      headers: { "content-type": "text/plain" },
      body: "{}",
    });
    expect(() => jsonBody(wrongType, schema)).toThrow(
      expect.objectContaining({ code: "request.unsupported_media_type" }),
    );
    const broken = httpEvent({
      method: "POST",
      route: "/x",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(() => jsonBody(broken, schema)).toThrow(expect.objectContaining({ code: "request.invalid" }));
  });

  it("ignores unknown query parameters but validates known ones", () => {
    const schema = z.object({ limit: z.coerce.number().int().max(100).default(20) });
    expect(queryParams(httpEvent({ method: "GET", route: "/x", query: { other: "1" } }), schema)).toEqual({
      limit: 20,
    });
    expect(() =>
      queryParams(httpEvent({ method: "GET", route: "/x", query: { limit: "500" } }), schema),
    ).toThrow(ValidationError);
  });

  it("takes the tenant from verified claims and refuses tokens without them", () => {
    const ok = httpEvent({ method: "GET", route: "/x", claims: { sub: "user-1", imo_id: "imo-1" } });
    expect(tenantOf(ok, claimNames)).toEqual({ userId: "user-1", imoId: "imo-1" });
    const missing = httpEvent({ method: "GET", route: "/x", claims: { sub: "user-1" } });
    expect(() => tenantOf(missing, claimNames)).toThrow(AppError);
    expect(() => tenantOf(httpEvent({ method: "GET", route: "/x" }), claimNames)).toThrow(
      expect.objectContaining({ code: "auth.unauthorized" }),
    );
  });
});
