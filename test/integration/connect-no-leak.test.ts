import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { HttpResult } from "../../lambdas/http/types";
import { ACCOUNTS, type ConnectHarness, landing, startConnectHarness } from "../support/connect-harness";
import { FAKE } from "../support/fake-secrets";

const DAY = 86_400_000;
/** Any Instagram Login token (short- or long-lived), whatever its value. */
const TOKEN_SHAPE = /IGAA[A-Za-z0-9_-]{8,}/;

let h: ConnectHarness;
const captured: string[] = [];
const responses: HttpResult[] = [];
const secretsAndCodes: string[] = [FAKE.igAppSecret, FAKE.metaAppSecret, FAKE.tokenEncryptionKey];

beforeAll(async () => {
  // Everything the Powertools logger writes, at its most verbose, from the first module load on.
  process.env.POWERTOOLS_LOG_LEVEL = "DEBUG";
  const capture = (chunk: unknown): boolean => {
    captured.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(capture);
  vi.spyOn(process.stderr, "write").mockImplementation(capture);
  // And anything written through the global console (vitest intercepts it before it reaches the streams).
  for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      captured.push(
        `${args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" ")}\n`,
      );
    });
  }
  h = await startConnectHarness();
});
afterAll(async () => {
  vi.restoreAllMocks();
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  await h.stop();
});

const keep = (response: HttpResult) => {
  responses.push(response);
  return response;
};

describe("no token or secret in logs or responses", () => {
  it("runs the whole lifecycle with verbose logging, then finds no token, code or secret anywhere", async () => {
    const alice = { userId: "alice", imoId: "org-leak" };
    const bob = { userId: "bob", imoId: "org-leak" };

    // Connect (codes are credentials too: remember them).
    const query = await h.authorize(alice);
    secretsAndCodes.push(query.code ?? "missing");
    const ticket = landing(keep(await h.callback(query))).searchParams.get("connect_ticket") ?? "missing";
    keep(await h.complete(alice, ticket));
    keep((await h.getIntegration(alice)).response);
    const firstToken = h.tokenOf(await h.storedIntegration(alice));
    expect(firstToken).toMatch(TOKEN_SHAPE);

    // Failures at every Meta step after the code exchange held a token.
    for (const target of ["long_lived_exchange", "profile", "subscribe"] as const) {
      const failing = await h.authorize(bob);
      secretsAndCodes.push(failing.code ?? "missing");
      h.sim.injectFault({ kind: "token_expired", target });
      const landed = landing(keep(await h.callback(failing)));
      // The subscription is the completion's step: the callback lands with a ticket, completing fails.
      const failingTicket = landed.searchParams.get("connect_ticket");
      if (failingTicket !== null) expect(keep(await h.complete(bob, failingTicket)).statusCode).toBe(502);
    }

    // Reconnect by another user (takeover), refresh with a rejection, disconnect.
    keep(await h.connect(bob));
    const old = h.sim.issueToken({ igAccountId: ACCOUNTS.second.igId, kind: "long", ageMs: 55 * DAY });
    h.sim.invalidateToken(old);
    await h.seedIntegration(
      {
        imoId: "org-leak",
        userId: "carol",
        igAccountId: ACCOUNTS.second.igId,
        appScopedUserId: ACCOUNTS.second.appScopedId,
        username: ACCOUNTS.second.username,
        accountType: "BUSINESS",
        status: "connected",
        tokenIssuedAt: Date.now() - 55 * DAY,
        tokenExpiresAt: Date.now() + 5 * DAY,
        connectedAt: Date.now() - 55 * DAY,
        updatedAt: Date.now() - 55 * DAY,
        version: 1,
      },
      old,
    );
    await h.runTokenRefresh();
    keep(await h.disconnect(bob));

    // Sanity: the capture works and the failure lines carry Meta's trace id and code.
    const output = captured.join("");
    expect(output).toContain("instagram connected");
    const failureLines = output.split("\n").filter((line) => line.includes("instagram connect failed"));
    expect(failureLines).toHaveLength(3);
    for (const line of failureLines) {
      const entry = JSON.parse(line);
      expect(entry.fbtrace_id).toMatch(/^A[A-Za-z0-9]{22}$/);
      expect(entry.metaCode).toBe(190);
    }
    expect(output).toContain("token refresh failed");

    // The assertion this file exists for.
    const everything = [
      output,
      ...responses.map((response) => JSON.stringify({ headers: response.headers, body: response.body })),
    ].join("\n");
    expect(everything).not.toMatch(TOKEN_SHAPE);
    // The ticket is on the landing URL (that is its job) but never in a log line.
    expect(output).not.toContain(ticket);
    for (const value of [...secretsAndCodes, firstToken ?? "", old]) {
      expect(value.length).toBeGreaterThan(8);
      expect(everything).not.toContain(value);
    }
  });
});
