import { generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  authorizeEvent,
  authorizerClaims,
  createLocalIssuer,
  type LocalIssuer,
  verifyBearer,
} from "../../dev/local-auth/index";
import { AppError } from "../../lambdas/domain/errors";
import { problemFromError } from "../../lambdas/http/responses";
import { httpEvent } from "../support/http-event";

const NOW = Date.parse("2026-03-01T12:00:00Z");

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("verifyBearer applies API Gateway's JWT authorizer rules", () => {
  let issuer: LocalIssuer;
  let options: { issuer: string; audience: string; jwks: LocalIssuer["jwks"]; now: number };

  beforeAll(async () => {
    issuer = await createLocalIssuer();
    options = { issuer: issuer.issuer, audience: issuer.audience, jwks: issuer.jwks, now: NOW };
  });

  it("accepts a valid token with or without the Bearer prefix and returns its claims", async () => {
    const token = await issuer.issueDevToken({ sub: "user-1", imo_id: "imo-1" }, { now: NOW });
    const claims = await verifyBearer(`Bearer ${token}`, options);
    expect(claims).toMatchObject({
      sub: "user-1",
      imo_id: "imo-1",
      iss: issuer.issuer,
      aud: issuer.audience,
    });
    expect((await verifyBearer(`bearer ${token}`, options)).sub).toBe("user-1");
    expect((await verifyBearer(token, options)).sub).toBe("user-1");
  });

  it("accepts an aud array when one entry matches, and an audience list on the authorizer", async () => {
    const token = await issuer.issueDevToken(
      { sub: "u" },
      { now: NOW, audience: ["other", issuer.audience] },
    );
    expect((await verifyBearer(`Bearer ${token}`, options)).sub).toBe("u");
    const second = await issuer.issueDevToken({ sub: "u" }, { now: NOW, audience: "second-app" });
    expect((await verifyBearer(`Bearer ${second}`, { ...options, audience: ["x", "second-app"] })).sub).toBe(
      "u",
    );
  });

  it.each([
    ["missing header", undefined, /missing/],
    ["empty header", "  ", /missing/],
    ["another scheme", "Basic dXNlcjpwYXNz", /Bearer/],
    ["three parts", "Bearer a b", /malformed/],
    ["not a JWT", "Bearer not-a-jwt", /malformed/],
    ["garbage segments", "Bearer aaa.bbb.ccc", /malformed/],
  ])("rejects a %s with 401 auth.unauthorized", async (_name, header, reason) => {
    const error = await rejection(verifyBearer(header, options));
    expect(error.code).toBe("auth.unauthorized");
    expect(error.status).toBe(401);
    expect(error.detail).toMatch(reason);
  });

  it("rejects a token signed by another key (same kid)", async () => {
    const impostor = await createLocalIssuer({ issuer: issuer.issuer, audience: issuer.audience });
    const token = await impostor.issueDevToken({ sub: "user-1", imo_id: "imo-1" }, { now: NOW });
    expect((await rejection(verifyBearer(`Bearer ${token}`, options))).detail).toMatch(/signature/);
  });

  it("rejects a token whose payload was altered after signing", async () => {
    const token = await issuer.issueDevToken({ sub: "user-1", imo_id: "imo-1" }, { now: NOW });
    const [head, , sig] = token.split(".");
    const forged = Buffer.from(
      JSON.stringify({
        sub: "user-2",
        imo_id: "imo-2",
        iss: issuer.issuer,
        aud: issuer.audience,
        exp: NOW / 1000 + 60,
      }),
    ).toString("base64url");
    expect((await rejection(verifyBearer(`Bearer ${head}.${forged}.${sig}`, options))).code).toBe(
      "auth.unauthorized",
    );
  });

  it("rejects a token with an unknown kid", async () => {
    const other = await createLocalIssuer({ issuer: issuer.issuer, audience: issuer.audience, kid: "other" });
    const token = await other.issueDevToken({ sub: "u" }, { now: NOW });
    expect((await rejection(verifyBearer(`Bearer ${token}`, options))).detail).toMatch(/known key/);
  });

  it("rejects a non-RSA algorithm (API Gateway accepts RSA only)", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const token = await new SignJWT({ sub: "u" })
      .setProtectedHeader({ alg: "ES256", kid: "local-1" })
      .setIssuer(issuer.issuer)
      .setAudience(issuer.audience)
      .setExpirationTime(NOW / 1000 + 60)
      .sign(privateKey);
    expect((await rejection(verifyBearer(`Bearer ${token}`, options))).code).toBe("auth.unauthorized");
  });

  it("rejects the wrong issuer", async () => {
    const token = await issuer.issueDevToken({ sub: "u" }, { now: NOW, issuer: "https://evil.example" });
    expect((await rejection(verifyBearer(`Bearer ${token}`, options))).detail).toMatch(/issuer/);
  });

  it("rejects the wrong audience, and client_id is only consulted when aud is absent", async () => {
    const wrong = await issuer.issueDevToken(
      { sub: "u", client_id: issuer.audience },
      { now: NOW, audience: "other" },
    );
    expect((await rejection(verifyBearer(`Bearer ${wrong}`, options))).detail).toMatch(/audience/);
  });

  it("expires exactly at exp and honours nbf", async () => {
    const token = await issuer.issueDevToken({ sub: "u" }, { now: NOW, expiresIn: 60 });
    expect((await verifyBearer(`Bearer ${token}`, { ...options, now: NOW + 59_000 })).sub).toBe("u");
    expect(
      (await rejection(verifyBearer(`Bearer ${token}`, { ...options, now: NOW + 60_000 }))).detail,
    ).toMatch(/expired/);
    const early = await issuer.issueDevToken({ sub: "u" }, { now: NOW, notBefore: 30 });
    expect((await rejection(verifyBearer(`Bearer ${early}`, options))).detail).toMatch(/not valid yet/);
    expect((await verifyBearer(`Bearer ${early}`, { ...options, now: NOW + 30_000 })).sub).toBe("u");
  });

  it("turns a failure into a 401 problem+json that never echoes the token", async () => {
    const token = await issuer.issueDevToken({ sub: "u" }, { now: NOW, issuer: "https://evil.example" });
    const error = await rejection(verifyBearer(`Bearer ${token}`, options));
    const response = problemFromError(error);
    expect(response.statusCode).toBe(401);
    expect(response.headers?.["content-type"]).toBe("application/problem+json");
    expect(JSON.parse(String(response.body))).toMatchObject({ code: "auth.unauthorized", status: 401 });
    expect(String(response.body)).not.toContain(token);
  });

  it("authorizeEvent puts the claims where the HTTP API's authorizer does, as strings", async () => {
    const token = await issuer.issueDevToken({ sub: "user-1", imo_id: 42, roles: ["a", "b"] }, { now: NOW });
    const event = httpEvent({ method: "GET", route: "/x", headers: { Authorization: `Bearer ${token}` } });
    const authorized = await authorizeEvent(event, options);
    expect(authorized.requestContext.authorizer?.jwt?.claims).toMatchObject({
      sub: "user-1",
      imo_id: "42",
      roles: "[a b]",
    });
    expect(authorizerClaims({ a: { b: 1 } })).toEqual({ a: '{"b":1}' });
  });
});
