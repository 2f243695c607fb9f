import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { Env } from "../../lambdas/contract/env";
import { type HandlerName, type RouteDeclaration, Routes } from "../../lambdas/contract/routes";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { putIntegration } from "../support/integrations";
import { freshQueues, freshTable } from "../support/local-aws";
import { tableSnapshot } from "../support/table-scan";

/**
 * Fuzzing of every API route except the webhook POST (fuzz-webhook.test.ts covers it): generated claims,
 * headers, query strings, path parameters and bodies. Whatever arrives, the answer is never a 5xx, an error
 * answer is problem+json, and a rejected request leaves the table exactly as it was.
 */
type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const RUNS_PER_ROUTE = 170; // 14 routes fuzzed here: > 2,000 requests in all
const TENANT = { sub: "fuzz-user", imo_id: "fuzz-org" };
const IG_ACCOUNT = "17841400000000077";
const UNREACHABLE = "http://127.0.0.1:9"; // nothing listens: any Meta call fails fast, nothing leaves the machine

const db = documentClient();
let tableName: string;
const handlers = new Map<HandlerName, Handler>();
const fuzzedRoutes = Routes.filter((r) => r.handler !== "webhook-receive");

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "null",
    "undefined",
    "0",
    "-1",
    "1e309",
    "NaN",
    "../../etc/passwd",
    "%00",
    "%",
    "\u0000",
  ),
  fc.constantFrom(
    "99999999999999999999999",
    "17841400000000077",
    "fuzz-user",
    "fuzz-org",
    "<script>alert(1)</script>",
  ),
  fc.string({ minLength: 2000, maxLength: 5000 }),
);

const claims = fc.oneof(
  fc.constant(undefined),
  fc.constant(TENANT),
  fc.record({ sub: text, imo_id: text }),
  fc.record({ sub: text }, { requiredKeys: [] }),
  fc.dictionary(fc.string({ maxLength: 10 }), text, { maxKeys: 3 }),
);

const contentType = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "",
  "application/json; charset=utf-16",
  "garbage/\u00ff",
);

const headers = fc.record(
  {
    "content-type": contentType,
    "idempotency-key": text,
    "content-encoding": fc.constantFrom("gzip", "br", "identity", "x"),
    accept: fc.constantFrom("*/*", "application/json", "text/html", ""),
    "x-hub-signature-256": fc.oneof(
      text,
      fc
        .string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 })
        .map((h) => `sha256=${h}`),
    ),
  },
  { requiredKeys: [] },
);

const query = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      "cursor",
      "limit",
      "hub.mode",
      "hub.verify_token",
      "hub.challenge",
      "code",
      "state",
      "error",
      "error_reason",
      "returnTo",
      "id",
    ),
    fc.string({ maxLength: 12 }),
  ),
  fc.oneof(text, fc.integer().map(String), fc.constantFrom("subscribe", "100", "0", "1000000")),
  { maxKeys: 4 },
);

const jsonish = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc
    .record(
      {
        conversationId: text,
        recipientId: text,
        text: text,
        tag: fc.constantFrom("HUMAN_AGENT", "human_agent", "", "ACCOUNT_UPDATE"),
        attachment: fc.record(
          { type: fc.constantFrom("image", "video", "audio", "file", "sticker", ""), url: text },
          { requiredKeys: [] },
        ),
        returnTo: fc.oneof(text, fc.constantFrom("https://app.example.test/settings", "javascript:alert(1)")),
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
  fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value).slice(0, -1)), // truncated JSON
);

const formBody = fc
  .record({ a: fc.base64String({ maxLength: 60 }), b: fc.base64String({ maxLength: 200 }) })
  .map(({ a, b }) => `signed_request=${encodeURIComponent(`${a}.${b}`)}`);

const body = fc.oneof(
  fc.constant(undefined),
  jsonish,
  formBody,
  text,
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  fc.constant("x".repeat(300_000)),
);

function requestFor(route: RouteDeclaration) {
  const parameterNames = [...route.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] ?? "");
  const pathParameters =
    parameterNames.length === 0
      ? fc.constant(undefined)
      : fc
          .tuple(...parameterNames.map(() => text))
          .map((values) => Object.fromEntries(parameterNames.map((name, i) => [name, values[i] ?? ""])));
  return fc.record({ claims, headers, query, pathParameters, body });
}

/** A handler that never answers is a failure too (API Gateway would time out with a 503). */
async function withinSeconds<T>(seconds: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${seconds}s`)), seconds * 1000);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isProblem(result: HttpResult): boolean {
  const type = String(result.headers?.["content-type"] ?? result.headers?.["Content-Type"] ?? "");
  if (!type.startsWith("application/problem+json")) return false;
  const parsed = JSON.parse(result.body ?? "") as { status?: unknown; code?: unknown };
  return parsed.status === result.statusCode && typeof parsed.code === "string";
}

beforeAll(async () => {
  tableName = await freshTable();
  const queues = await freshQueues();
  setHandlerEnv({
    tableName,
    [Env.outboundQueueUrl]: queues.queueUrl,
    [Env.outboundDlqUrl]: queues.dlqUrl,
    [Env.instagramOauthUrl]: UNREACHABLE,
    [Env.instagramApiUrl]: UNREACHABLE,
    [Env.instagramGraphUrl]: UNREACHABLE,
    [Env.returnToOrigins]: "https://app.example.test",
  });
  const now = Date.now();
  await putIntegration(
    tableName,
    {
      imoId: TENANT.imo_id,
      userId: TENANT.sub,
      igAccountId: IG_ACCOUNT,
      appScopedUserId: "27000000000000077",
      username: "fuzz_shop",
      connectedAt: now,
      updatedAt: now,
    },
    db,
  );
  for (const route of fuzzedRoutes) {
    if (handlers.has(route.handler)) continue;
    const module = (await import(`../../lambdas/handlers/${route.handler}.ts`)) as { handler: Handler };
    handlers.set(route.handler, module.handler);
  }
});

afterAll(() => {
  db.destroy();
});

describe("API fuzzing: never a 5xx, errors are problem+json, rejected input writes nothing", () => {
  for (const route of fuzzedRoutes) {
    it(`${route.method} ${route.path} (${route.handler})`, async () => {
      const handler = handlers.get(route.handler);
      if (!handler) throw new Error(`handler ${route.handler} not loaded`);
      let before = await tableSnapshot(tableName);
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(requestFor(route), async (input) => {
          const event = httpEvent({
            method: route.method,
            route: route.path,
            ...(input.pathParameters
              ? {
                  pathParameters: input.pathParameters,
                  path: route.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) =>
                    encodeURIComponent(input.pathParameters?.[name] ?? ""),
                  ),
                }
              : {}),
            headers: Object.fromEntries(Object.entries(input.headers).filter(([, v]) => v !== "")),
            query: input.query,
            ...(input.body === undefined ? {} : { body: input.body }),
            ...(input.claims ? { claims: input.claims } : {}),
          });
          const result = await withinSeconds(10, handler(event, lambdaContext(route.handler)));
          statuses.set(result.statusCode, (statuses.get(result.statusCode) ?? 0) + 1);
          expect(result.statusCode, `${route.handler} answered ${result.body}`).toBeLessThan(500);
          const after = await tableSnapshot(tableName);
          if (result.statusCode >= 400) {
            // The app API answers problem+json; Meta's and browsers' public callbacks may answer text or HTML.
            if (route.auth === "jwt") expect(isProblem(result), `problem+json: ${result.body}`).toBe(true);
            expect(after, "a rejected request left the table unchanged").toBe(before);
          }
          before = after;
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
      // The fuzzer must reach the rejection paths, not only one answer.
      expect([...statuses.keys()].some((status) => status >= 400)).toBe(true);
    });
  }
});
