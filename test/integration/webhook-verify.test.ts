import { beforeAll, describe, expect, it } from "vitest";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { freshTable } from "../support/local-aws";

let handle: (event: HttpEvent) => Promise<HttpResult>;
const get = (query: Record<string, string>) =>
  handle(httpEvent({ method: "GET", route: "/instagram/webhook", query }));

beforeAll(async () => {
  setHandlerEnv({ tableName: await freshTable() });
  const { handler } = await import("../../lambdas/handlers/webhook-verify");
  handle = (event) => handler(event, lambdaContext("webhook-verify"));
});

describe("GET /instagram/webhook (subscription handshake)", () => {
  it("answers exactly the challenge as text/plain when the verify token matches", async () => {
    const response = await get({
      "hub.mode": "subscribe",
      "hub.verify_token": FAKE.verifyToken,
      "hub.challenge": "1158201444",
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers?.["content-type"]).toMatch(/^text\/plain/);
    expect(response.body).toBe("1158201444");
  });

  it("a wrong token → 403 problem+json that echoes nothing", async () => {
    const response = await get({
      "hub.mode": "subscribe",
      "hub.verify_token": "guess",
      "hub.challenge": "1158201444",
    });
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body ?? "")).toMatchObject({ code: "webhook.verify_token_mismatch" });
    expect(response.body).not.toContain("1158201444");
    expect(response.body).not.toContain("guess");
  });

  it.each([
    ["no parameters", {}],
    ["no challenge", { "hub.mode": "subscribe", "hub.verify_token": FAKE.verifyToken }],
    [
      "another mode",
      { "hub.mode": "unsubscribe", "hub.verify_token": FAKE.verifyToken, "hub.challenge": "1" },
    ],
    [
      "a challenge with markup",
      { "hub.mode": "subscribe", "hub.verify_token": FAKE.verifyToken, "hub.challenge": "<b>x</b>" },
    ],
  ])("%s → 400 problem+json", async (_name, query) => {
    const response = await get(query);
    expect(response.statusCode).toBe(400);
    expect(response.headers?.["content-type"]).toBe("application/problem+json");
    expect(response.body).not.toContain(FAKE.verifyToken);
    expect(response.body).not.toContain("<b>");
  });
});
