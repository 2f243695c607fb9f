import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DEFAULT_ACCOUNT,
  type MetaSimulator,
  type SimFacebookUser,
  type SimOptions,
  startMetaSimulator,
} from "../../dev/meta-simulator/index";
import { FAKE } from "../support/fake-secrets";
import { type GraphAnswer, readGraphAnswer } from "./meta-simulator-harness";

/*
 * What the meta-simulator-facebook*.test.ts files share: a simulator with both apps (Instagram app and Facebook
 * app, distinct secrets), Facebook people with zero, one or several Pages, and a receiver that keeps raw bytes
 * and headers so signatures can be checked. Graph answers are read as Meta documents them, not through lambdas/.
 */

export const FB_APP_ID = "1234567890123456";
export const FB_APP_SECRET = FAKE.metaAppSecret;
export const REDIRECT = "https://api.example.com/auth/facebook/callback";
export const FB_SCOPE =
  "instagram_basic,instagram_manage_messages,pages_show_list,pages_manage_metadata,pages_read_engagement,pages_messaging";
export const IG_ID = DEFAULT_ACCOUNT.igId;
export const SECOND_IG_ID = "17841400000000002";
export const IGSID = "3416870925138842";

export const ONE_PAGE: SimFacebookUser = {
  id: "10160412345678901",
  name: "Camille Riviera",
  pages: [{ id: "104982763519285", name: "Riviera Linen Studio", igAccountId: IG_ID }],
};
export const SEVERAL_PAGES: SimFacebookUser = {
  id: "10160400000000002",
  name: "Jordan Several",
  pages: [
    { id: "104900000000001", name: "Second Shop", igAccountId: SECOND_IG_ID },
    { id: "104900000000002", name: "Unlinked Page" },
    { id: "104900000000003", name: "Third Shop", igAccountId: IG_ID },
  ],
};
export const NO_PAGES: SimFacebookUser = { id: "10160400000000003", name: "Nobody Pages", pages: [] };

export interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
}

export interface FbHarness {
  readonly sim: MetaSimulator;
  readonly received: Received[];
  readonly baseUrl: string;
  clock: number;
  close(): Promise<void>;
}

export async function startFbHarness(options: Partial<SimOptions> = {}): Promise<FbHarness> {
  const received: Received[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    received.push({ path: req.url ?? "", headers: req.headers, raw: Buffer.concat(chunks) });
    res.writeHead(200, { "content-type": "text/plain" }).end("EVENT_RECEIVED");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const harness = {
    received,
    baseUrl,
    clock: Date.UTC(2026, 2, 10, 12, 0, 0),
    sim: undefined as unknown as MetaSimulator,
    async close() {
      await harness.sim.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  harness.sim = await startMetaSimulator({
    appId: FAKE.appId,
    appSecret: FAKE.igAppSecret,
    facebookAppId: FB_APP_ID,
    facebookAppSecret: FB_APP_SECRET,
    facebookUsers: [ONE_PAGE, SEVERAL_PAGES, NO_PAGES],
    webhookUrl: `${baseUrl}/webhook`,
    now: () => harness.clock,
    accounts: [
      DEFAULT_ACCOUNT,
      {
        igId: SECOND_IG_ID,
        appScopedId: "26900000000000002",
        username: "second.shop",
        name: "Second Shop",
        accountType: "BUSINESS",
      },
    ],
    ...options,
  });
  return harness;
}

export type Answer = GraphAnswer;

/** A Graph call; `token` goes in the query as `access_token` (as Meta's samples do). */
export async function fbCall(
  sim: MetaSimulator,
  path: string,
  init: { token?: string; method?: string; json?: unknown; query?: Record<string, string> } = {},
): Promise<Answer> {
  const url = new URL(`${sim.url}${path}`);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  if (init.token !== undefined) url.searchParams.set("access_token", init.token);
  const res = await fetch(url, {
    method: init.method ?? (init.json === undefined ? "GET" : "POST"),
    ...(init.json === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(init.json) }),
  });
  return readGraphAnswer(res);
}

/** Runs the dialog without a browser and returns the code. */
export function fbCode(sim: MetaSimulator, input: { userId?: string; pageIds?: string[] } = {}): string {
  const location = sim.facebook.authorize({ redirectUri: REDIRECT, scope: FB_SCOPE, state: "st", ...input });
  const code = new URL(location).searchParams.get("code");
  if (code === null) throw new Error(`no code in ${location}`);
  return code;
}

export function exchange(sim: MetaSimulator, query: Record<string, string>): Promise<Answer> {
  return fbCall(sim, "/v25.0/oauth/access_token", {
    query: { client_id: FB_APP_ID, client_secret: FB_APP_SECRET, redirect_uri: REDIRECT, ...query },
  });
}

/** Dialog → code → short-lived → long-lived user token. */
export async function longLivedUserToken(
  sim: MetaSimulator,
  input: { userId?: string; pageIds?: string[] } = {},
): Promise<string> {
  const short = await exchange(sim, { code: fbCode(sim, input) });
  const long = await fbCall(sim, "/v25.0/oauth/access_token", {
    query: {
      grant_type: "fb_exchange_token",
      client_id: FB_APP_ID,
      client_secret: FB_APP_SECRET,
      fb_exchange_token: String(short.body.access_token),
    },
  });
  return String(long.body.access_token);
}

/** The Page token `/me/accounts` hands out for `pageId`. */
export async function pageTokenFrom(sim: MetaSimulator, userToken: string, pageId: string): Promise<string> {
  const accounts = await fbCall(sim, "/v25.0/me/accounts", {
    token: userToken,
    query: { fields: "id,access_token" },
  });
  const page = (accounts.body.data as { id: string; access_token: string }[]).find((p) => p.id === pageId);
  if (page === undefined) throw new Error(`no Page ${pageId} in /me/accounts`);
  return page.access_token;
}
