import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { metaJson, signedRequest, signMetaBody } from "../../dev/meta-simulator/signing";
import { customerText } from "../../dev/meta-simulator/webhook-payloads";
import { conversationId } from "../../lambdas/domain/conversation";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { ACCOUNTS, type ConnectHarness, startConnectHarness } from "../support/connect-harness";
import { FAKE } from "../support/fake-secrets";
import { httpEvent, lambdaContext } from "../support/http-event";
import { freshQueues } from "../support/local-aws";
import { receiveRecords } from "../support/outbound-harness";

/**
 * Log hygiene: every flow of the system runs at DEBUG level with everything written to stdout, stderr and the
 * console captured; no captured line may contain an access token, the app secret(s), the verify token or the
 * token-encryption key — not even inside a longer string or an error message.
 */
// Before any import: the logger reads its level once, when its module loads (and middy's per-invocation
// sampling refresh resets it to that level), so DEBUG must be in the environment first.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = "DEBUG";
});

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;
type SqsHandler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

const captured: string[] = [];
const restore: (() => void)[] = [];

/** Tees every write to stdout/stderr and every console call into `captured`. */
function captureOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      captured.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => {
      stream.write = original as typeof stream.write;
    });
  }
  for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      captured.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    };
    restore.push(() => {
      console[method] = original;
    });
  }
}

/** Meta access tokens (Instagram Login `IGAA…`, Facebook `EAA…`) by shape, whatever issued them. */
const TOKEN_SHAPE = /\b(?:IGAA|IGQV|EAA)[A-Za-z0-9_-]{20,}/;

let harness: ConnectHarness;
const tokensSeen = new Set<string>();
const handlers: Record<string, Handler> = {};
let sender: SqsHandler;
let refresh: () => Promise<void>;
let queueUrl: string;

const tenant = { userId: "hygiene-user", imoId: "hygiene-org" };
const claims = { sub: tenant.userId, imo_id: tenant.imoId };
const CUSTOMER = "3416870925138899";

const invoke = (name: string, event: HttpEvent) => {
  const handler = handlers[name];
  if (!handler) throw new Error(`${name} not loaded`);
  return handler(event, lambdaContext(name));
};

beforeAll(async () => {
  const queues = await freshQueues();
  queueUrl = queues.queueUrl;
  harness = await startConnectHarness({
    OUTBOUND_QUEUE_URL: queues.queueUrl,
    OUTBOUND_DLQ_URL: queues.dlqUrl,
  });
  for (const name of [
    "webhook-verify",
    "webhook-receive",
    "conversations-list",
    "conversation-messages",
    "message-send",
    "message-get",
  ]) {
    handlers[name] = (await import(`../../lambdas/handlers/${name}.ts`)).handler as Handler;
  }
  sender = (await import("../../lambdas/handlers/sender")).handler as unknown as SqsHandler;
  const refreshHandler = (await import("../../lambdas/handlers/token-refresh")).handler;
  refresh = () => refreshHandler({}, lambdaContext("token-refresh"));
  captureOutput();
});

afterAll(async () => {
  for (const undo of restore.splice(0)) undo();
  await harness?.stop();
});

describe("log hygiene", () => {
  it("every flow at DEBUG: no access token, app secret, verify token or encryption key in any log line", async () => {
    // Webhook handshake, right and wrong verify token.
    for (const token of [FAKE.verifyToken, `${FAKE.verifyToken}x`]) {
      await invoke(
        "webhook-verify",
        httpEvent({
          method: "GET",
          route: "/instagram/webhook",
          query: { "hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444" },
        }),
      );
    }

    // Connect through the simulator (code exchange, long-lived exchange, profile, subscription).
    const connected = await harness.connect(tenant);
    expect(connected.statusCode).toBe(302);
    const integration = await harness.storedIntegration(tenant);
    const accessToken = harness.tokenOf(integration);
    expect(accessToken).toMatch(TOKEN_SHAPE);
    if (accessToken) tokensSeen.add(accessToken);
    await harness.getIntegration(tenant);

    // Inbound: a signed DM, a tampered one, a malformed one.
    const dm = metaJson(
      customerText({
        igAccountId: ACCOUNTS.riviera.igId,
        igsid: CUSTOMER,
        timestamp: Date.now() - 1_000,
        mid: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3hygiene0001ZDZD",
        text: "Hi! Is the linen shirt still available?",
      }),
    );
    harness.sim.openWindow({ igsid: CUSTOMER });
    for (const [body, secret] of [
      [dm, FAKE.igAppSecret],
      [dm, "wrong-secret-0123456789"],
      ['{"object":"instagram","entry":[{"id":1}]}', FAKE.igAppSecret],
    ] as const) {
      await invoke(
        "webhook-receive",
        httpEvent({
          method: "POST",
          route: "/instagram/webhook",
          headers: { "content-type": "application/json", "x-hub-signature-256": signMetaBody(body, secret) },
          body,
        }),
      );
    }

    // Inbox reads.
    const conversation = conversationId(ACCOUNTS.riviera.igId, CUSTOMER);
    await invoke(
      "conversations-list",
      httpEvent({ method: "GET", route: "/instagram/conversations", claims }),
    );
    await invoke(
      "conversation-messages",
      httpEvent({
        method: "GET",
        route: "/instagram/conversations/{conversationId}/messages",
        path: `/instagram/conversations/${conversation}/messages`,
        pathParameters: { conversationId: conversation },
        claims,
      }),
    );

    // Outbound: accept, send through the simulator, status; then a token Meta rejects.
    const send = (text: string) =>
      invoke(
        "message-send",
        httpEvent({
          method: "POST",
          route: "/instagram/messages",
          headers: { "content-type": "application/json", "idempotency-key": `hygiene-${text.length}` },
          body: JSON.stringify({ conversationId: conversation, text }),
          claims,
        }),
      );
    const accepted = await send("Yes, size M is in stock.");
    expect(accepted.statusCode, accepted.body).toBe(202);
    const { messageId } = JSON.parse(accepted.body ?? "{}") as { messageId: string };
    await sender({ Records: await receiveRecords(queueUrl) }, lambdaContext("sender"));
    await invoke(
      "message-get",
      httpEvent({
        method: "GET",
        route: "/instagram/messages/{messageId}",
        path: `/instagram/messages/${messageId}`,
        pathParameters: { messageId },
        claims,
      }),
    );
    expect(harness.sim.sentMessages().some((m) => m.text === "Yes, size M is in stock.")).toBe(true);
    harness.sim.injectFault({ kind: "token_expired", igAccountId: ACCOUNTS.riviera.igId });
    await send("A second reply.");
    await sender({ Records: await receiveRecords(queueUrl) }, lambdaContext("sender"));

    // Token refresh (scheduled), with a refreshable token seeded for a second user.
    const old = harness.sim.issueToken({
      igAccountId: ACCOUNTS.second.igId,
      kind: "long",
      ageMs: 55 * 86_400_000,
    });
    tokensSeen.add(old);
    const now = Date.now();
    await harness.seedIntegration(
      {
        imoId: "hygiene-org-2",
        userId: "hygiene-user-2",
        igAccountId: ACCOUNTS.second.igId,
        appScopedUserId: ACCOUNTS.second.appScopedId,
        username: ACCOUNTS.second.username,
        accountType: "BUSINESS",
        status: "connected",
        tokenIssuedAt: now - 55 * 86_400_000,
        tokenExpiresAt: now + 5 * 86_400_000,
        connectedAt: now - 55 * 86_400_000,
        updatedAt: now,
        version: 1,
      },
      old,
    );
    await refresh();
    const refreshed = harness.tokenOf(
      await harness.storedIntegration({ imoId: "hygiene-org-2", userId: "hygiene-user-2" }),
    );
    if (refreshed) tokensSeen.add(refreshed);

    // Deauthorize and data deletion (signed_request), then the status page; a forged one too.
    const signed = (extra: object = {}) =>
      signedRequest(
        {
          algorithm: "HMAC-SHA256",
          issued_at: Math.floor(Date.now() / 1000),
          user_id: ACCOUNTS.second.appScopedId,
          ...extra,
        },
        FAKE.igAppSecret,
      );
    await harness.signedRequest("deauthorize", signed());
    await harness.signedRequest("deauthorize", `${signed().split(".")[0]}x.${signed().split(".")[1]}`);
    const deletion = await harness.signedRequest(
      "dataDeletion",
      signed({ expires: Math.floor(Date.now() / 1000) + 600 }),
    );
    const code =
      (JSON.parse(deletion.body ?? "{}") as { confirmation_code?: string }).confirmation_code ?? "none";
    // The erasure worker runs the job (its log lines are checked with the rest).
    await harness.runErasureJobs();
    await harness.handlers.dataDeletionStatus(
      httpEvent({
        method: "GET",
        route: "/instagram/data-deletion/{code}",
        path: `/instagram/data-deletion/${code}`,
        pathParameters: { code },
      }),
      lambdaContext(),
    );

    // Disconnect (best-effort revoke at Meta with the token), after a reconnect so there is a live token.
    harness.sim.clearFaults();
    await harness.connect(tenant);
    const again = harness.tokenOf(await harness.storedIntegration(tenant));
    if (again) tokensSeen.add(again);
    await harness.disconnect(tenant);

    // Every secret of the flows, checked against every captured line.
    const forbidden = [
      ...tokensSeen,
      FAKE.igAppSecret,
      FAKE.metaAppSecret,
      FAKE.verifyToken,
      FAKE.tokenEncryptionKey,
    ];
    const lines = captured
      .join("")
      .split("\n")
      .filter((line) => line.trim() !== "");
    // The capture works and the flows did log (DEBUG and INFO lines from the handlers).
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.some((line) => line.includes('"level":"DEBUG"') || line.includes('"level":"INFO"'))).toBe(
      true,
    );
    // Failures name the kind of secret and show the line with the secret itself masked.
    const mask = (line: string) =>
      forbidden
        .reduce((text, secret) => text.split(secret).join("[SECRET]"), line)
        .replace(TOKEN_SHAPE, "[TOKEN]");
    const leaks = lines
      .filter((line) => forbidden.some((secret) => line.includes(secret)) || TOKEN_SHAPE.test(line))
      .map((line) => mask(line).slice(0, 300));
    expect(leaks).toEqual([]);
  });
});
