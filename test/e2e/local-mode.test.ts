import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allowOnConsentPage } from "../support/e2e/consent";
import { type Answer, call, eventually } from "../support/e2e/http";
import {
  dynamoDbLocalPids,
  type LocalModeProcess,
  startLocalModeProcess,
} from "../support/e2e/local-mode-process";

/**
 * The whole system as a newcomer runs it: `npm run dev`, then everything over HTTP. Connect through the
 * simulator's consent page, a signed customer DM through the webhook, the conversation with its open window,
 * a reply through the queue and the sender to the simulator's Send API, status `sent`, the echo matched.
 * The steps build on each other, so they share one local mode and run in order.
 */
describe("local mode end to end (npm run dev)", () => {
  let local: LocalModeProcess;
  let token: string;
  const customer = "3416870925138842";
  const replyText = `Yes, size M is in stock. (${Date.now()})`;
  let igAccountId: string;
  let conversationId: string;
  let messageId: string;
  let mid: string;

  beforeAll(async () => {
    local = await startLocalModeProcess();
  }, 120_000);

  afterAll(async () => {
    await local?.interrupt();
  }, 30_000);

  const explain = (answer: Answer) =>
    `${answer.status} ${answer.text}\n--- local mode output ---\n${local.output()}`;

  it("serves the dev console, the JWKS and a dev token; app routes demand a valid bearer token", async () => {
    const page = await call(local.url, "GET", "/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.text).toContain('id="connect"');

    const noToken = await call(local.url, "GET", "/instagram/integration");
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get("content-type")).toBe("application/problem+json");
    expect(noToken.body.code).toBe("auth.unauthorized");
    const forged = await call(local.url, "GET", "/instagram/integration", {
      token: "eyJhbGciOiJub25lIn0.e30.",
    });
    expect(forged.status).toBe(401);

    const openApi = await call(local.url, "GET", "/openapi.json");
    expect(openApi.status).toBe(200);
    expect(openApi.body.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(openApi.body.paths)).toContain("/instagram/messages/{messageId}");

    const unknown = await call(local.url, "GET", "/instagram/nothing-here");
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe("resource.not_found");

    const issued = await call(local.url, "POST", "/dev/token", {
      json: { userId: "user-1", imoId: "imo-1" },
    });
    expect(issued.status, explain(issued)).toBe(200);
    token = issued.body.token;
    const none = await call(local.url, "GET", "/instagram/integration", { token });
    expect(none.status, explain(none)).toBe(200);
    expect(none.body).toEqual({ status: "none" });
  });

  it("connects Instagram through the simulator's consent page and lands back on the console", async () => {
    const init = await call(local.url, "POST", "/instagram/oauth/init", {
      token,
      json: { returnTo: `${local.url}/` },
    });
    expect(init.status, explain(init)).toBe(200);
    expect(new URL(init.body.authorizationUrl).pathname).toBe("/oauth/authorize");

    // The browser's part: open the consent page, press Allow, follow the redirect to our callback.
    const outcome = await allowOnConsentPage(init.body.authorizationUrl);
    expect(outcome.consentStatus).toBe(200);
    expect(`${outcome.callbackUrl.origin}${outcome.callbackUrl.pathname}`).toBe(
      `${local.url}/instagram/oauth/callback`,
    );
    expect(outcome.callbackStatus, local.output()).toBe(302);
    expect(outcome.landingUrl?.origin).toBe(local.url);
    const ticket = outcome.landingUrl?.searchParams.get("connect_ticket");
    expect(ticket).toBeTruthy();
    const completed = await call(local.url, "POST", "/instagram/oauth/complete", { token, json: { ticket } });
    expect(completed.status, explain(completed)).toBe(200);

    const integration = await call(local.url, "GET", "/instagram/integration", { token });
    expect(integration.status, explain(integration)).toBe(200);
    expect(integration.body).toMatchObject({ status: "connected", username: "riviera.linen.studio" });
    expect(JSON.stringify(integration.body)).not.toMatch(/IGAA/);
    igAccountId = integration.body.igAccountId;
    expect(igAccountId).toBe("17841462871093525");
  });

  it("refuses an unsigned webhook delivery and stores a signed customer DM with an open window", async () => {
    const forged = await call(local.url, "POST", "/instagram/webhook", {
      headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${"0".repeat(64)}` },
      body: JSON.stringify({ object: "instagram", entry: [] }),
    });
    expect(forged.status).toBe(401);

    const sentAt = Date.now();
    const delivered = await call(local.url, "POST", "/dev/simulator/customer-message", {
      json: { igAccountId, igsid: customer, text: "Hi! Is the linen shirt still available in M?" },
    });
    expect(delivered.status, explain(delivered)).toBe(200);
    expect(delivered.body.delivery?.status, explain(delivered)).toBe(200);

    const listed = await call(local.url, "GET", "/instagram/conversations", { token });
    expect(listed.status, explain(listed)).toBe(200);
    const conversation = listed.body.items.find(
      (item: { participant: { igsid: string } }) => item.participant.igsid === customer,
    );
    expect(conversation, explain(listed)).toBeDefined();
    expect(conversation.lastMessagePreview).toContain("linen shirt");
    expect(conversation.window.state).toBe("open");
    const closesIn = Date.parse(conversation.window.closesAt) - sentAt;
    expect(closesIn).toBeGreaterThan(23.9 * 3600_000);
    expect(closesIn).toBeLessThanOrEqual(24 * 3600_000 + 60_000);
    conversationId = conversation.conversationId;
  });

  it("sends a reply through the queue and the sender to the simulator: queued, then sent", async () => {
    const accepted = await call(local.url, "POST", "/instagram/messages", {
      token,
      json: { conversationId, text: replyText },
      headers: { "idempotency-key": `e2e-${Date.now()}` },
    });
    expect(accepted.status, explain(accepted)).toBe(202);
    expect(accepted.body.status).toBe("queued");
    messageId = accepted.body.messageId;

    const sent = await eventually(
      async () => {
        const status = await call(local.url, "GET", `/instagram/messages/${messageId}`, { token });
        if (status.body?.status === "failed") throw new Error(`reply failed: ${status.text}`);
        return status.body?.status === "sent" ? status : undefined;
      },
      { what: "the reply to be sent", timeoutMs: 45_000 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n--- local mode output ---\n${local.output()}`);
    });
    expect(sent.body).toMatchObject({ messageId, conversationId, status: "sent" });
    mid = sent.body.mid;
    expect(mid).toMatch(/^aWdf/);

    const simulator = await call(local.url, "GET", "/dev/simulator/state");
    const atMeta = simulator.body.sentMessages.filter((m: { text?: string }) => m.text === replyText);
    expect(atMeta).toHaveLength(1);
    expect(atMeta[0]).toMatchObject({ igAccountId, recipientId: customer, messageId: mid });
  });

  it("matches the echo of the reply to the sent message instead of storing it twice", async () => {
    const echoDelivered = await eventually(
      async () => {
        const simulator = await call(local.url, "GET", "/dev/simulator/state");
        const echoes = simulator.body.deliveries.filter((d: { kind: string }) => d.kind === "echo");
        return echoes.length > 0 ? echoes : undefined;
      },
      { what: "the simulator to deliver the echo" },
    );
    expect(echoDelivered.every((d: { status: number }) => d.status === 200)).toBe(true);

    const messages = await call(local.url, "GET", `/instagram/conversations/${conversationId}/messages`, {
      token,
    });
    expect(messages.status, explain(messages)).toBe(200);
    const withMid = messages.body.items.filter((m: { mid?: string }) => m.mid === mid);
    expect(withMid, explain(messages)).toHaveLength(1);
    expect(withMid[0]).toMatchObject({ direction: "outbound", text: replyText, status: "sent" });
    const inbound = messages.body.items.filter((m: { direction: string }) => m.direction === "inbound");
    expect(inbound).toHaveLength(1);
  });

  it("reports Meta's refusal as a failed reply when a fault is switched on in the simulator at run time", async () => {
    const injected = await call(local.url, "POST", "/dev/simulator/faults", {
      json: { kind: "window_closed", target: "send", count: 1 },
    });
    expect(injected.status, explain(injected)).toBe(201);
    const accepted = await call(local.url, "POST", "/instagram/messages", {
      token,
      json: { conversationId, text: "This one Meta refuses." },
    });
    expect(accepted.status, explain(accepted)).toBe(202);
    const failed = await eventually(
      async () => {
        const status = await call(local.url, "GET", `/instagram/messages/${accepted.body.messageId}`, {
          token,
        });
        return status.body?.status === "failed" ? status : undefined;
      },
      { what: "the refused reply to fail", timeoutMs: 45_000 },
    );
    expect(failed.body).toMatchObject({ status: "failed", failureReason: "window_closed" });
    const cleared = await call(local.url, "DELETE", "/dev/simulator/faults");
    expect(cleared.status).toBe(200);
  });

  it("runs the token refresh on demand and disconnects", async () => {
    const refreshed = await call(local.url, "POST", "/dev/token-refresh");
    expect(refreshed.status, explain(refreshed)).toBe(200);
    const stillConnected = await call(local.url, "GET", "/instagram/integration", { token });
    expect(stillConnected.body.status).toBe("connected");

    const disconnected = await call(local.url, "DELETE", "/instagram/integration", { token });
    expect(disconnected.status, explain(disconnected)).toBeLessThan(300);
    const after = await call(local.url, "GET", "/instagram/integration", { token });
    expect(after.body.status).not.toBe("connected");
  });

  it("stops cleanly on Ctrl-C and leaves no DynamoDB Local process behind", async () => {
    expect(dynamoDbLocalPids(local.dynamoDbPort)).toHaveLength(1);
    const exit = await local.interrupt();
    // npm itself dies of the SIGINT like any terminal job; local mode must have stopped everything first.
    expect(exit.code === 0 || exit.signal === "SIGINT", `${JSON.stringify(exit)}\n${local.output()}`).toBe(
      true,
    );
    expect(local.output()).toContain("SIGINT: stopping local mode...");
    expect(local.output()).toContain("Local mode stopped.");
    expect(dynamoDbLocalPids(local.dynamoDbPort)).toEqual([]);
  }, 30_000);
});

describe("local mode start-up errors", () => {
  let blocker: Server;
  let busyPort: number;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, done));
    busyPort = (blocker.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((done) => blocker.close(() => done())));

  it("says which port is taken and exits without starting anything", async () => {
    const started = startLocalModeProcess({ env: { PORT: String(busyPort) }, timeoutMs: 60_000 });
    await expect(started).rejects.toThrow(new RegExp(`Port ${busyPort} is in use; .*PORT`));
  }, 90_000);

  it("says Java is needed when there is none on the PATH", () => {
    // A PATH holding only node: `tsx bin/local.ts` runs (npm itself would need more of the PATH), java does not.
    const bin = mkdtempSync(join(tmpdir(), "ig-nojava-"));
    const stateDir = mkdtempSync(join(tmpdir(), "ig-local-"));
    symlinkSync(process.execPath, join(bin, "node"));
    const root = resolve(import.meta.dirname, "../..");
    const run = spawnSync(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), "bin/local.ts"], {
      cwd: root,
      env: {
        HOME: process.env.HOME ?? tmpdir(),
        PATH: bin,
        LOCAL_STATE_DIR: stateDir,
      },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(1);
    expect(run.stderr).toContain("Local mode could not start: DynamoDB Local needs Java on the PATH");
    rmSync(bin, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  }, 90_000);
});

describe("local mode stopped through npm", () => {
  it("stops everything when only npm gets SIGTERM (its shell does not pass the signal on)", async () => {
    const local = await startLocalModeProcess();
    expect(dynamoDbLocalPids(local.dynamoDbPort)).toHaveLength(1);
    await local.terminateNpm();
    expect(local.output()).toContain("Local mode stopped.");
    expect(dynamoDbLocalPids(local.dynamoDbPort)).toEqual([]);
  }, 150_000);
});

describe("local mode with --persist", () => {
  it("keeps DynamoDB data and dev tokens across a restart", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "ig-persist-"));
    const first = await startLocalModeProcess({ args: ["--persist"], stateDir });
    let token: string;
    try {
      expect(first.output()).toContain("persisted in");
      token = (await call(first.url, "POST", "/dev/token", { json: { userId: "keeper", imoId: "imo-p" } }))
        .body.token;
      const init = await call(first.url, "POST", "/instagram/oauth/init", {
        token,
        json: { returnTo: `${first.url}/` },
      });
      expect(init.status, first.output()).toBe(200);
      const outcome = await allowOnConsentPage(init.body.authorizationUrl);
      const ticket = outcome.ticket;
      expect(ticket, first.output()).toBeTruthy();
      const completed = await call(first.url, "POST", "/instagram/oauth/complete", {
        token,
        json: { ticket },
      });
      expect(completed.status, first.output()).toBe(200);
    } finally {
      await first.interrupt();
    }
    expect(existsSync(join(stateDir, "dynamodb"))).toBe(true);

    const second = await startLocalModeProcess({ args: ["--persist"], stateDir });
    try {
      const integration = await call(second.url, "GET", "/instagram/integration", { token });
      expect(integration.status, second.output()).toBe(200);
      expect(integration.body).toMatchObject({ status: "connected", username: "riviera.linen.studio" });
    } finally {
      await second.interrupt();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 240_000);
});
