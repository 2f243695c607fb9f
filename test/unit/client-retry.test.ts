import { createInstagramDmClient, InstagramDmError } from "@instagram-dm/client";
import { describe, expect, it } from "vitest";

/** A scripted server: answers in turn, recording each request the client sent (method, path, key, body). */
function scripted(answers: Array<Response | Error>) {
  const seen: Array<{ method: string; path: string; key: string | null; body: string; auth: string | null }> =
    [];
  const fetch = async (request: Request): Promise<Response> => {
    seen.push({
      method: request.method,
      path: new URL(request.url).pathname + new URL(request.url).search,
      key: request.headers.get("idempotency-key"),
      body: await request.text(),
      auth: request.headers.get("authorization"),
    });
    const next = answers.shift();
    if (next === undefined) throw new Error("no more scripted answers");
    if (next instanceof Error) throw next;
    return next;
  };
  return { fetch, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": status >= 400 ? "application/problem+json" : "application/json",
      ...headers,
    },
  });
const unavailable = () =>
  json(503, {
    type: "urn:instagram-dm:problem:dependency.unavailable",
    title: "Unavailable",
    status: 503,
    code: "dependency.unavailable",
    detail: "Try again shortly.",
  });
const accepted = { messageId: "01J0000000000000000000000A", status: "queued" };

function clientOn(answers: Array<Response | Error>, attempts = 3) {
  const server = scripted(answers);
  const dm = createInstagramDmClient({
    baseUrl: "http://api.test/",
    getToken: async () => "jwt-1",
    fetch: server.fetch,
    retry: { attempts, baseDelayMs: 1, maxDelayMs: 5 },
  });
  return { dm, seen: server.seen };
}

describe("the client's retries", () => {
  it("repeats a GET after a 503 and a network error, with the bearer token each time", async () => {
    const { dm, seen } = clientOn([
      unavailable(),
      new TypeError("fetch failed"),
      json(200, { status: "none" }),
    ]);
    expect(await dm.getIntegration()).toEqual({ status: "none" });
    expect(seen.map((r) => `${r.method} ${r.path} ${r.auth}`)).toEqual(
      Array(3).fill("GET /instagram/integration Bearer jwt-1"),
    );
  });

  it("repeats a send with the same idempotency key and the same body", async () => {
    const { dm, seen } = clientOn([unavailable(), json(202, accepted)]);
    expect(await dm.sendMessage({ conversationId: "c-1", text: "hi" })).toEqual(accepted);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]?.key).toBe(seen[0]?.key);
    expect(seen[1]?.body).toBe(seen[0]?.body);
    expect(JSON.parse(seen[1]?.body ?? "")).toEqual({ conversationId: "c-1", text: "hi" });
  });

  it("gives every send its own key unless the caller passes one", async () => {
    const { dm, seen } = clientOn([json(202, accepted), json(202, accepted), json(202, accepted)]);
    await dm.sendMessage({ conversationId: "c-1", text: "a" });
    await dm.sendMessage({ conversationId: "c-1", text: "a" });
    await dm.sendMessage({ conversationId: "c-1", text: "a" }, { idempotencyKey: "mine" });
    expect(new Set(seen.map((r) => r.key)).size).toBe(3);
    expect(seen[2]?.key).toBe("mine");
  });

  it("never repeats connect, its completion or disconnect", async () => {
    const { dm, seen } = clientOn([unavailable(), unavailable(), unavailable()]);
    await expect(dm.startConnect({ returnTo: "https://app.test/" })).rejects.toMatchObject({
      code: "dependency.unavailable",
      status: 503,
    });
    await expect(dm.completeConnect("t".repeat(43))).rejects.toBeInstanceOf(InstagramDmError);
    await expect(dm.disconnect()).rejects.toBeInstanceOf(InstagramDmError);
    expect(seen.map((r) => r.method)).toEqual(["POST", "POST", "DELETE"]);
  });

  it("completeConnect posts the ticket with the bearer token and surfaces a refusal's code", async () => {
    const { dm, seen } = clientOn([
      json(400, {
        type: "urn:instagram-dm:problem:oauth.ticket_invalid",
        title: "Invalid",
        status: 400,
        code: "oauth.ticket_invalid",
      }),
    ]);
    await expect(dm.completeConnect("the-ticket")).rejects.toMatchObject({
      status: 400,
      code: "oauth.ticket_invalid",
    });
    expect(seen).toEqual([
      expect.objectContaining({
        method: "POST",
        path: "/instagram/oauth/complete",
        body: JSON.stringify({ ticket: "the-ticket" }),
        auth: "Bearer jwt-1",
      }),
    ]);
  });

  it("stops after the configured attempts and surfaces the last problem", async () => {
    const { dm, seen } = clientOn([unavailable(), unavailable(), unavailable(), json(200, {})], 3);
    const error = await dm.getMessage("m-1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstagramDmError);
    expect(error).toMatchObject({
      code: "dependency.unavailable",
      status: 503,
      detail: "Try again shortly.",
    });
    expect(seen).toHaveLength(3);
  });

  it("does not repeat a refused call (4xx other than 429)", async () => {
    const { dm, seen } = clientOn([
      json(404, {
        type: "urn:instagram-dm:problem:resource.not_found",
        title: "Not found",
        status: 404,
        code: "resource.not_found",
      }),
    ]);
    await expect(dm.getMessage("m-1")).rejects.toMatchObject({ code: "resource.not_found", status: 404 });
    expect(seen).toHaveLength(1);
  });

  it("reports a non-problem error answer with the client's own code", async () => {
    const { dm } = clientOn([new Response("<html>bad gateway</html>", { status: 400 })]);
    await expect(dm.getIntegration()).rejects.toMatchObject({
      code: "client.unexpected_response",
      status: 400,
      detail: undefined,
    });
  });

  it("passes paging parameters and walks nextCursor until it is absent", async () => {
    const page = (ids: string[], nextCursor?: string) =>
      json(200, { items: ids.map((messageId) => ({ messageId })), ...(nextCursor ? { nextCursor } : {}) });
    const { dm, seen } = clientOn([page(["a", "b"], "c1"), page(["c"], "c2"), page([])]);
    const ids: string[] = [];
    for await (const message of dm.messages("conv/1", { limit: 2 })) ids.push(message.messageId);
    expect(ids).toEqual(["a", "b", "c"]);
    expect(seen.map((r) => r.path)).toEqual([
      "/instagram/conversations/conv%2F1/messages?limit=2",
      "/instagram/conversations/conv%2F1/messages?limit=2&cursor=c1",
      "/instagram/conversations/conv%2F1/messages?limit=2&cursor=c2",
    ]);
  });
});
