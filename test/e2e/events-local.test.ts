import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allowOnConsentPage } from "../support/e2e/consent";
import { call, eventually } from "../support/e2e/http";
import { type LocalModeProcess, startLocalModeProcess } from "../support/e2e/local-mode-process";
import { type SseSubscription, subscribe } from "../support/e2e/sse";

/**
 * Events out in local mode (`npm run dev` with APP_WEBHOOK_URL): the stream poller, the in-process bus, the
 * console's server-sent events (one organisation per dev token) and signed webhooks to a receiver that verifies
 * them with the `standardwebhooks` package, the way an app would. The signing secret is generated into the
 * local secrets file and never printed.
 */
describe("events out in local mode", () => {
  let local: LocalModeProcess;
  let receiver: Server;
  const deliveries: { headers: IncomingHttpHeaders; body: string }[] = [];
  let token: string;
  let igAccountId: string;
  const streams: SseSubscription[] = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        deliveries.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
        response.statusCode = 204;
        response.end();
      });
    });
    await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", done));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/instagram-events`;
    local = await startLocalModeProcess({ env: { APP_WEBHOOK_URL: url } });
  }, 150_000);

  afterAll(async () => {
    for (const stream of streams) stream.close();
    await local?.interrupt();
    await new Promise<void>((done) => receiver?.close(() => done()));
  }, 60_000);

  const secretsFile = () => join(local.stateDir, "secrets.json");
  const signingSecret = () =>
    (JSON.parse(readFileSync(secretsFile(), "utf8")) as Record<string, string>).APP_WEBHOOK_SECRET ?? "";

  it("generates the webhook signing secret into the local secrets file and prints where, never the value", () => {
    const secret = signingSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(local.output()).toMatch(/Webhooks\s+http:\/\/127\.0\.0\.1:\d+\/instagram-events/);
    expect(local.output()).toContain("APP_WEBHOOK_SECRET in");
    expect(local.output()).toContain("secrets.json");
    expect(local.output()).not.toContain(secret.slice("whsec_".length, 30));
  });

  it("serves the AsyncAPI document of the events", async () => {
    const document = await call(local.url, "GET", "/dev/asyncapi.json");
    expect(document.status).toBe(200);
    expect(document.body.asyncapi).toMatch(/^3\./);
    expect(JSON.stringify(document.body)).toContain("conversation.window_closing");
  });

  it("the event stream wants a valid dev token", async () => {
    for (const query of ["", "?token=", "?token=eyJhbGciOiJub25lIn0.e30."]) {
      const answer = await call(local.url, "GET", `/dev/events${query}`);
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe("auth.unauthorized");
    }
  });

  it("a customer DM → message.received on the organisation's stream (not another's) and a signed webhook", async () => {
    token = (await call(local.url, "POST", "/dev/token", { json: { userId: "user-ev", imoId: "imo-ev" } }))
      .body.token;
    const other = (
      await call(local.url, "POST", "/dev/token", { json: { userId: "user-x", imoId: "imo-x" } })
    ).body.token;
    const init = await call(local.url, "POST", "/instagram/oauth/init", {
      token,
      json: { returnTo: `${local.url}/` },
    });
    const outcome = await allowOnConsentPage(init.body.authorizationUrl);
    const ticket = outcome.landingUrl?.searchParams.get("connect_ticket");
    const completed = await call(local.url, "POST", "/instagram/oauth/complete", { token, json: { ticket } });
    expect(completed.status, local.output()).toBe(200);
    igAccountId = (await call(local.url, "GET", "/instagram/integration", { token })).body.igAccountId;

    const mine = await subscribe(`${local.url}/dev/events?token=${encodeURIComponent(token)}`);
    const theirs = await subscribe(`${local.url}/dev/events?token=${encodeURIComponent(other)}`);
    streams.push(mine, theirs);
    expect(mine.status).toBe(200);

    const text = `Do you ship to Porto? (${Date.now()})`;
    const delivered = await call(local.url, "POST", "/dev/simulator/customer-message", {
      json: { igAccountId, igsid: "3416870925138999", text },
    });
    expect(delivered.status, local.output()).toBe(200);

    const received = await eventually(
      async () =>
        mine.received
          .filter((event) => event.event === "message.received")
          .map((event) => JSON.parse(event.data))
          .find((event) => event.data.message.text === text),
      { what: "message.received on the organisation's stream", timeoutMs: 15_000 },
    );
    expect(received).toMatchObject({ imoId: "imo-ev", userId: "user-ev", data: { igAccountId } });
    expect(theirs.received.filter((event) => event.event === "message.received")).toEqual([]);
    // The connect itself was announced too, to its organisation only.
    expect(mine.received.map((event) => event.event)).toContain("integration.status_changed");

    const webhook = await eventually(
      async () => deliveries.find((delivery) => delivery.headers["webhook-id"] === received.id),
      { what: "the signed webhook of the event", timeoutMs: 15_000 },
    );
    const headers = {
      "webhook-id": String(webhook.headers["webhook-id"]),
      "webhook-timestamp": String(webhook.headers["webhook-timestamp"]),
      "webhook-signature": String(webhook.headers["webhook-signature"]),
    };
    const verified = new Webhook(signingSecret()).verify(webhook.body, headers) as {
      type: string;
      data: unknown;
    };
    expect(verified.type).toBe("message.received");
    expect(verified.data).toEqual(received);
    // Signed with that secret and no other: a receiver with another secret refuses it.
    expect(() =>
      new Webhook(`whsec_${Buffer.from("x".repeat(32)).toString("base64")}`).verify(webhook.body, headers),
    ).toThrow();
    expect(webhook.body).not.toMatch(/IGAA|token/i);
  });
});
