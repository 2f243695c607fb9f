import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalIssuer } from "../../dev/local-auth";
import { compileRoutes, lambdaContext } from "../../dev/local-server/api-gateway";
import { createDevAuth, type DevAuth } from "../../dev/local-server/dev-auth";
import { createLocalHttpServer, type HttpHandler, listen } from "../../dev/local-server/http-server";
import type { HandlerName } from "../../lambdas/contract/routes";
import { Routes } from "../../lambdas/contract/routes";
import type { HttpEvent } from "../../lambdas/http/types";

/**
 * Local mode's stand-in for the HTTP API over real HTTP, with stand-in functions that record the events they
 * get: what reaches a function, how its result is written, and what the gateway answers by itself.
 */
describe("local mode HTTP server", () => {
  let server: Server;
  let base: string;
  let auth: DevAuth;
  let keyDir: string;
  const received: { name: HandlerName; event: HttpEvent }[] = [];
  const results: Partial<Record<HandlerName, unknown>> = {};

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), "ig-auth-"));
    auth = await createDevAuth({
      keyFile: join(keyDir, "auth-key.json"),
      claimNames: { userId: "sub", imoId: "imo_id" },
    });
    server = createLocalHttpServer({
      routes: compileRoutes(Routes),
      localRoutes: [
        { method: "GET", path: "/dev/ping", handle: async () => ({ status: 200, body: "pong" }) },
      ],
      auth,
      loadHandler:
        async (name): Promise<HttpHandler> =>
        async (event) => {
          received.push({ name, event });
          const result = results[name];
          if (result instanceof Error) throw result;
          return result ?? { statusCode: 204 };
        },
      context: (name) => lambdaContext(name, 30_000),
      onError: () => undefined,
    });
    base = `http://127.0.0.1:${await listen(server, 0)}`;
  });

  afterAll(async () => {
    await new Promise<void>((done) => server.close(() => done()));
    rmSync(keyDir, { recursive: true, force: true });
  });

  const lastEvent = () => received.at(-1)?.event;

  it("invokes a JWT route's function with the verified claims as strings", async () => {
    const { token } = await auth.issue({ userId: "user-1", imoId: "imo-1" });
    const answer = await fetch(`${base}/instagram/messages/m-42`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(answer.status).toBe(204);
    expect(received.at(-1)?.name).toBe("message-get");
    const claims = lastEvent()?.requestContext.authorizer?.jwt?.claims ?? {};
    expect(claims).toMatchObject({ sub: "user-1", imo_id: "imo-1", iss: auth.issuer, aud: auth.audience });
    expect(typeof claims.exp).toBe("string");
    expect(lastEvent()?.pathParameters).toEqual({ messageId: "m-42" });
  });

  it("answers 401 problem+json without invoking anything for a missing, foreign or expired token", async () => {
    const before = received.length;
    const stranger = await createLocalIssuer({ issuer: auth.issuer, audience: auth.audience, kid: "other" });
    const expired = await stranger.issueDevToken({ sub: "x", imo_id: "y" }, { now: Date.now() - 7200_000 });
    for (const authorization of [undefined, "Bearer not-a-jwt", `Bearer ${expired}`]) {
      const answer = await fetch(`${base}/instagram/integration`, {
        headers: authorization ? { authorization } : {},
      });
      expect(answer.status).toBe(401);
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
      const body = (await answer.json()) as { code: string; status: number };
      expect(body).toMatchObject({ code: "auth.unauthorized", status: 401 });
    }
    expect(received.length).toBe(before);
  });

  it("passes a public route's raw body through and writes headers, cookies and base64 bodies back", async () => {
    results["webhook-receive"] = {
      statusCode: 200,
      headers: { "content-type": "application/octet-stream", "x-trace": "t-1" },
      cookies: ["a=1; Path=/", "b=2; Path=/"],
      body: Buffer.from([1, 2, 3, 250]).toString("base64"),
      isBase64Encoded: true,
    };
    const raw = '{"object":"instagram","entry":[{"id":"17841462871093525","time":1}]}';
    const answer = await fetch(`${base}/instagram/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": "sha256=abc" },
      body: raw,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-trace")).toBe("t-1");
    expect(answer.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    expect(Buffer.from(await answer.arrayBuffer()).equals(Buffer.from([1, 2, 3, 250]))).toBe(true);
    expect(lastEvent()?.body).toBe(raw);
    expect(lastEvent()?.headers["x-hub-signature-256"]).toBe("sha256=abc");
    expect(lastEvent()?.requestContext).not.toHaveProperty("authorizer");
  });

  it("writes a bare result as 200 JSON, a thrown error as 500, and answers unknown routes and huge bodies itself", async () => {
    results["webhook-verify"] = { ok: true };
    const bare = await fetch(`${base}/instagram/webhook?hub.mode=subscribe`);
    expect(bare.status).toBe(200);
    expect(await bare.json()).toEqual({ ok: true });

    results["data-deletion-status"] = new Error("boom");
    const failed = await fetch(`${base}/instagram/data-deletion/abc`);
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as { code: string }).code).toBe("internal");

    const unknown = await fetch(`${base}/instagram/webhook`, { method: "DELETE" });
    expect(unknown.status).toBe(404);

    const huge = await fetch(`${base}/instagram/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "x".repeat(10 * 1024 * 1024 + 1),
    });
    expect(huge.status).toBe(413);
  });

  it("answers local-only routes only to requests made on this machine, not through a tunnel", async () => {
    const port = Number(new URL(base).port);
    const get = (headers: Record<string, string>) =>
      new Promise<number>((done, fail) => {
        const outgoing = httpRequest({ host: "127.0.0.1", port, path: "/dev/ping", headers }, (incoming) => {
          incoming.resume();
          done(incoming.statusCode ?? 0);
        });
        outgoing.on("error", fail);
        outgoing.end();
      });
    expect(await get({ host: `localhost:${port}` })).toBe(200);
    expect(await get({ host: `127.0.0.1:${port}` })).toBe(200);
    expect(await get({ host: "abc.trycloudflare.com" })).toBe(404);
    expect(await get({ host: `localhost:${port}`, "x-forwarded-for": "203.0.113.9" })).toBe(404);
    expect(await get({ host: `localhost:${port}`, forwarded: "for=203.0.113.9" })).toBe(404);
  });
});
