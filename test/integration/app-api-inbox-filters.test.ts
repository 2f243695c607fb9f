import { BatchWriteCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { authorizeEvent, createLocalIssuer, type LocalIssuer } from "../../dev/local-auth/index";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { ConversationsPage, Problem } from "../../lambdas/contract/api/index";
import { Paths } from "../../lambdas/contract/routes";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { putIntegration } from "../support/integrations";
import { freshTable } from "../support/local-aws";

/**
 * GET /instagram/conversations?window=…&unread=true against DynamoDB Local: every matching conversation
 * exactly once, in order, across pages — also when the matches sit far down a long inbox (several reads per
 * page) — and never one that does not match.
 */
type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const ACCOUNT = "17841400000000555";
const tenant = { imoId: "org-filters", userId: "agent-1" };
const HOUR = 60 * 60 * 1000;
const db = documentClient();
let tableName: string;
let list: Handler;
let auth: LocalIssuer;

type Kind =
  | "open"
  | "closing"
  | "closed"
  | "human_agent_only"
  | "never_wrote"
  // Threads started from a Click-to-Direct ad: a 7-day window from their first message (docs/meta-simulator.md).
  | "ad_open"
  | "ad_closing"
  | "ad_closed";
interface Seeded {
  readonly igsid: string;
  readonly kind: Kind;
  readonly unread: boolean;
  readonly lastActivityAt: number;
}
const seeded: Seeded[] = [];

function customerWroteAt(kind: Kind, now: number): number | undefined {
  switch (kind) {
    case "open":
      return now - 3 * HOUR;
    case "closing":
      return now - 23 * HOUR; // 1 hour left
    case "human_agent_only":
      return now - 30 * HOUR;
    case "closed":
      return now - 10 * 24 * HOUR;
    case "never_wrote":
      return undefined;
    case "ad_open":
      return now - 3 * 24 * HOUR; // the customer wrote once, 3 days ago, from the ad
    case "ad_closing":
      return now - (7 * 24 - 1) * HOUR;
    case "ad_closed":
      return now - 8 * 24 * HOUR;
  }
}

/** When an ad-started thread's first message came (the ad window's anchor); undefined for other threads. */
function adStartedAt(kind: Kind, now: number): number | undefined {
  return kind.startsWith("ad_") ? customerWroteAt(kind, now) : undefined;
}

const isOpen = (kind: Kind) =>
  kind === "open" || kind === "closing" || kind === "ad_open" || kind === "ad_closing";
const isClosing = (kind: Kind) => kind === "closing" || kind === "ad_closing";

async function page(query: Record<string, string>): Promise<HttpResult> {
  const token = await auth.issueDevToken({ sub: tenant.userId, imo_id: tenant.imoId });
  const event = await authorizeEvent(
    httpEvent({
      method: "GET",
      route: Paths.conversations,
      query,
      headers: { authorization: `Bearer ${token}` },
    }),
    { issuer: auth.issuer, audience: auth.audience, jwks: auth.jwks },
  );
  return list(event, lambdaContext());
}

async function walk(query: Record<string, string>): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const result = await page({ ...query, ...(cursor ? { cursor } : {}) });
    expect(result.statusCode).toBe(200);
    const body = ConversationsPage.parse(JSON.parse(String(result.body)));
    ids.push(...body.items.map((item) => item.participant.igsid));
    cursor = body.nextCursor;
    pages += 1;
    expect(pages).toBeLessThan(200);
  } while (cursor !== undefined);
  return { ids, pages };
}

const expected = (match: (s: Seeded) => boolean) =>
  [...seeded]
    .sort((a, b) => b.lastActivityAt - a.lastActivityAt)
    .filter(match)
    .map((s) => s.igsid);

beforeAll(async () => {
  tableName = await freshTable();
  setHandlerEnv({ tableName });
  auth = await createLocalIssuer();
  await putIntegration(tableName, {
    ...tenant,
    igAccountId: ACCOUNT,
    appScopedUserId: "26000000000000555",
    username: "filter_shop",
    connectedAt: Date.now(),
    updatedAt: Date.now(),
  });
  const now = Date.now();
  // 260 conversations. The 4 "closing" ones are the oldest by activity, so a filtered page must read past
  // the first 250 items (several reads) to find them.
  const kinds: Kind[] = ["open", "human_agent_only", "closed", "never_wrote", "ad_open", "ad_closed"];
  for (let i = 0; i < 260; i += 1) {
    const kind: Kind =
      i >= 256 ? (i % 2 === 0 ? "closing" : "ad_closing") : (kinds[i % kinds.length] as Kind);
    seeded.push({
      igsid: String(5_000_000 + i),
      kind,
      unread: i % 3 === 0,
      lastActivityAt: now - 60_000 - i * 1000,
    });
  }
  const items = seeded.map((s) => {
    const wrote = customerWroteAt(s.kind, now);
    const ad = adStartedAt(s.kind, now);
    return {
      ...Keys.conversation(tenant.imoId, ACCOUNT, s.igsid),
      ...Keys.inbox(tenant.imoId, ACCOUNT),
      gsi1sk: `${new Date(s.lastActivityAt).toISOString()}#${s.igsid}`,
      entity: "conversation",
      imoId: tenant.imoId,
      igAccountId: ACCOUNT,
      igsid: s.igsid,
      lastActivityAt: s.lastActivityAt,
      unreadCount: s.unread ? 2 : 0,
      ...(wrote === undefined ? {} : { lastCustomerMessageAt: wrote }),
      // As inbound storage writes it (adapters/dynamo/inbound-message-changes.ts).
      ...(ad === undefined
        ? {}
        : { adReferral: { at: ad, referral: { source: "ADS", ad_id: `ad-${s.igsid}` } } }),
    };
  });
  for (let i = 0; i < items.length; i += 25) {
    await db.send(
      new BatchWriteCommand({
        RequestItems: {
          [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
  list = (await import("../../lambdas/handlers/conversations-list")).handler as Handler;
});

describe("conversation filters", () => {
  it("window=open lists open and closing windows (ad windows too), each once, most recent first", async () => {
    const { ids } = await walk({ window: "open", limit: "9" });
    expect(ids).toEqual(expected((s) => isOpen(s.kind)));
  });

  it("window=closing finds the few closing windows at the end of a long inbox, 24-hour and ad ones", async () => {
    const { ids } = await walk({ window: "closing", limit: "3" });
    expect(ids).toEqual(expected((s) => isClosing(s.kind)));
    expect(seeded.filter((s) => ids.includes(s.igsid)).map((s) => s.kind)).toContain("ad_closing");
  });

  it("window=closed includes human_agent_only windows, customers who never wrote, and ad windows past 7 days", async () => {
    const { ids } = await walk({ window: "closed", limit: "25" });
    expect(ids).toEqual(expected((s) => !isOpen(s.kind)));
  });

  it("an ad-started conversation 3 days old: window=open includes it, window=closed excludes it", async () => {
    const adThread = seeded.find((s) => s.kind === "ad_open");
    expect(adThread).toBeDefined();
    const id = adThread?.igsid ?? "";
    expect((await walk({ window: "open", limit: "100" })).ids).toContain(id);
    expect((await walk({ window: "closed", limit: "100" })).ids).not.toContain(id);
    // The list shows it as open, with the ad window's kind: the filter and the view agree.
    const shown = ConversationsPage.parse(JSON.parse(String((await page({ limit: "100" })).body))).items;
    expect(shown.find((item) => item.participant.igsid === id)?.window).toMatchObject({
      state: "open",
      kind: "ad_referral",
    });
  });

  it("unread=true, alone and with a window filter; unread=false and no filter list everything", async () => {
    expect((await walk({ unread: "true", limit: "10" })).ids).toEqual(expected((s) => s.unread));
    expect((await walk({ unread: "true", window: "open", limit: "4" })).ids).toEqual(
      expected((s) => s.unread && isOpen(s.kind)),
    );
    expect((await walk({ unread: "false", limit: "100" })).ids).toEqual(expected(() => true));
    expect((await walk({ limit: "100" })).ids).toEqual(expected(() => true));
  });

  it("a cursor only continues the list with the same filters; a bad filter is 400", async () => {
    const first = ConversationsPage.parse(JSON.parse(String((await page({ limit: "5" })).body)));
    expect(first.nextCursor).toBeDefined();
    const mixed = await page({ window: "open", cursor: first.nextCursor ?? "" });
    expect(mixed.statusCode).toBe(400);
    expect(Problem.parse(JSON.parse(String(mixed.body))).code).toBe("request.invalid");
    const bads: Record<string, string>[] = [{ window: "closing_soon" }, { unread: "yes" }, { window: "" }];
    for (const query of bads) {
      const bad = await page(query);
      expect(bad.statusCode).toBe(400);
      expect(Problem.parse(JSON.parse(String(bad.body))).errors?.[0]?.field).toMatch(/^query\./);
    }
  });
});
