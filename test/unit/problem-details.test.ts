import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { AppError, ValidationError } from "../../lambdas/domain/errors";
import { json } from "../../lambdas/http/responses";
import { httpRoute } from "../../lambdas/http/route";
import { httpEvent, lambdaContext } from "../support/http-event";

const event = () => httpEvent({ method: "GET", route: "/x" });
const invoke = (inner: Parameters<typeof httpRoute>[0]) =>
  httpRoute(inner)(event(), lambdaContext() as Context);

describe("problem details middleware (wrapping trivial handlers)", () => {
  it("passes a successful response through untouched", async () => {
    const result = await invoke(async () => json(200, { ok: true }));
    expect(result).toMatchObject({ statusCode: 200, body: '{"ok":true}' });
  });

  it("maps an AppError to problem+json with its stable code and status", async () => {
    const result = await invoke(async () => {
      throw new AppError("send.window_closed", "Closed at 2026-01-01T00:00:00.000Z", {
        closedAt: "2026-01-01T00:00:00.000Z",
      });
    });
    expect(result.statusCode).toBe(409);
    expect(result.headers?.["content-type"]).toBe("application/problem+json");
    expect(JSON.parse(String(result.body))).toEqual({
      type: "urn:instagram-dm:problem:send.window_closed",
      title: "The reply window for this conversation is closed",
      status: 409,
      code: "send.window_closed",
      detail: "Closed at 2026-01-01T00:00:00.000Z",
      closedAt: "2026-01-01T00:00:00.000Z",
    });
  });

  it("lists every invalid field of a ValidationError", async () => {
    const result = await invoke(async () => {
      throw new ValidationError([
        { field: "body.text", message: "Too long" },
        { field: "body.tag", message: "Invalid option" },
      ]);
    });
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(String(result.body)).errors).toEqual([
      { field: "body.text", message: "Too long" },
      { field: "body.tag", message: "Invalid option" },
    ]);
  });

  it("answers an unexpected error with a bare 500 that leaks nothing", async () => {
    const result = await invoke(async () => {
      throw new Error("connect ECONNREFUSED 10.0.0.1 token=IGAAsecret");
    });
    expect(result.statusCode).toBe(500);
    const body = String(result.body);
    expect(JSON.parse(body)).toEqual({
      type: "urn:instagram-dm:problem:internal",
      title: "Internal error",
      status: 500,
      code: "internal",
    });
    expect(body).not.toMatch(/ECONNREFUSED|IGAA|stack/);
  });
});
