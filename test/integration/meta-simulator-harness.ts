import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type MetaSimulator, type SimOptions, startMetaSimulator } from "../../dev/meta-simulator/index";
import { FAKE } from "../support/fake-secrets";

/*
 * What the meta-simulator-*.test.ts files share: a simulator on a controllable clock, a webhook receiver that
 * keeps every body, and Graph calls read as Meta's documented envelope (deliberately not through lambdas/
 * code, so these tests check the simulator against Meta rather than against our own parser).
 */

export const IG_ID = "17841462871093525";
export const APP_SCOPED_ID = "26913384755103422";
export const OTHER_IG_ID = "17841400000000002";
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface Harness {
  readonly sim: MetaSimulator;
  readonly received: unknown[];
  readonly webhookUrl: string;
  clock: number;
  close(): Promise<void>;
}

export async function startHarness(options: Partial<SimOptions> = {}): Promise<Harness> {
  const received: unknown[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    received.push(req.headers["content-type"]?.includes("json") === true ? JSON.parse(raw) : raw);
    res.writeHead(200, { "content-type": "text/plain" }).end("EVENT_RECEIVED");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const harness: Harness = {
    received,
    webhookUrl,
    clock: Date.UTC(2026, 2, 10, 12, 0, 0),
    sim: undefined as unknown as MetaSimulator,
    async close() {
      await harness.sim.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const sim = await startMetaSimulator({
    appId: FAKE.appId,
    appSecret: FAKE.igAppSecret,
    webhookUrl,
    deliverEchoes: false,
    now: () => harness.clock,
    accounts: [
      {
        igId: IG_ID,
        appScopedId: APP_SCOPED_ID,
        username: "riviera.linen.studio",
        name: "Riviera Linen Studio",
        accountType: "BUSINESS",
      },
      {
        igId: OTHER_IG_ID,
        appScopedId: "26900000000000002",
        username: "other.shop",
        name: "Other Shop",
        accountType: "BUSINESS",
      },
    ],
    ...options,
  });
  (harness as { sim: MetaSimulator }).sim = sim;
  return harness;
}

export interface GraphAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly error?: { code: number; subcode?: number; message: string };
  readonly headers: Headers;
}

/** One Graph call with a Bearer token; the error envelope is read as Meta documents it. */
export async function call(
  sim: MetaSimulator,
  token: string,
  path: string,
  init: { method?: string; json?: unknown } = {},
): Promise<GraphAnswer> {
  const res = await fetch(`${sim.url}${path}`, {
    method: init.method ?? (init.json === undefined ? "GET" : "POST"),
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.json === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
  });
  return readGraphAnswer(res);
}

/** An answer with its error envelope read as Meta documents it. */
export async function readGraphAnswer(res: Response): Promise<GraphAnswer> {
  const body = (await res.json()) as Record<string, unknown>;
  const e = body.error as { code: number; error_subcode?: number; message: string } | undefined;
  return {
    status: res.status,
    body,
    headers: res.headers,
    ...(e === undefined ? {} : { error: { code: e.code, subcode: e.error_subcode, message: e.message } }),
  };
}

export const sendText = (sim: MetaSimulator, token: string, igsid: string, text = "Hello", extra = {}) =>
  call(sim, token, "/v25.0/me/messages", { json: { recipient: { id: igsid }, message: { text }, ...extra } });

/** The one BUC entry of an answer's `x-business-use-case-usage` header. */
export function bucEntry(headers: Headers, igId = IG_ID): Record<string, number> | undefined {
  const raw = headers.get("x-business-use-case-usage");
  if (raw === null) return undefined;
  const parsed = JSON.parse(raw) as Record<string, Record<string, number>[]>;
  return parsed[igId]?.[0];
}

export function appUsage(headers: Headers): Record<string, number> | undefined {
  const raw = headers.get("x-app-usage");
  return raw === null ? undefined : (JSON.parse(raw) as Record<string, number>);
}
