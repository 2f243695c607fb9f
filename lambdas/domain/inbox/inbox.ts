import type { WindowFilter } from "../../contract/vocabulary";
import {
  AD_REFERRAL_WINDOW_MS,
  type Conversation,
  parseConversationId,
  type ReplyWindow,
  replyWindow,
  STANDARD_WINDOW_MS,
  type WindowAnchors,
  windowAnchors,
} from "../conversation";
import { AppError } from "../errors";
import type { Integration } from "../integration";
import type { MessageRecord } from "../message";
import type { Tenant } from "../tenant";
import { decodeCursor, encodeCursor, type PageKey } from "./cursor";

export interface PageRequest {
  readonly limit: number;
  readonly startKey?: PageKey;
}

export interface StoredPage<T> {
  readonly items: readonly T[];
  readonly lastKey?: PageKey;
}

/**
 * A filter on stored conversation fields, applied by the store while it pages (so pages stay full and cursors
 * keep working). All present conditions hold together.
 */
export interface StoredFilter {
  /** The reply window is still open after a moment: it closes later than that (see `WindowAnchorBound`). */
  readonly windowClosesAfter?: WindowAnchorBound;
  /** The reply window is closed by a moment (or never opened: the customer never wrote). */
  readonly windowClosesAtOrBefore?: WindowAnchorBound;
  readonly unreadOnly?: boolean;
  /** Lowercased prefix of the customer's username, name, or a word of the name (profile.ts `searchKeys`). */
  readonly customerPrefix?: string;
}

/**
 * A moment `t` turned into bounds on the stored anchors, by the rule of `replyWindow` (domain/conversation.ts):
 * the window closes at max(lastCustomerMessageAt + 24 h, adReferral.at + 7 d), so it closes after `t` exactly
 * when `lastCustomerMessageAt > customerWrote` or `adReferral.at > adStarted` (with a customer message), and at
 * or before `t` exactly when neither holds.
 */
export interface WindowAnchorBound {
  /** `t` − 24 h: compared with `lastCustomerMessageAt`. */
  readonly customerWrote: number;
  /** `t` − 7 d: compared with `adReferral.at` (the first message of an ad-started thread). */
  readonly adStarted: number;
}

/** The anchor bounds of the moment `at` (one rule with `replyWindow`, which computes the same closing time). */
export function windowAnchorBound(at: number): WindowAnchorBound {
  return { customerWrote: at - STANDARD_WINDOW_MS, adStarted: at - AD_REFERRAL_WINDOW_MS };
}

/** Whether a conversation's anchors pass the filter's window bounds (what the store's expression computes). */
export function windowPasses(filter: StoredFilter, anchors: WindowAnchors): boolean {
  const { lastCustomerMessageAt: wrote, adReferralAt: ad } = anchors;
  const closesAfter = (bound: WindowAnchorBound) =>
    wrote !== undefined && (wrote > bound.customerWrote || (ad !== undefined && ad > bound.adStarted));
  if (filter.windowClosesAfter && !closesAfter(filter.windowClosesAfter)) return false;
  if (filter.windowClosesAtOrBefore && closesAfter(filter.windowClosesAtOrBefore)) return false;
  return true;
}

/**
 * What the inbox reads need from storage. Pages are newest first; a `startKey` outside the requested
 * partition is rejected by the store as a 400 (it can never widen the query).
 */
export interface InboxReader {
  integrationOf(tenant: Tenant): Promise<Integration | undefined>;
  conversationsPage(
    imoId: string,
    igAccountId: string,
    page: PageRequest,
    filter?: StoredFilter,
  ): Promise<StoredPage<Conversation>>;
  conversation(imoId: string, igAccountId: string, igsid: string): Promise<Conversation | undefined>;
  messagesPage(
    imoId: string,
    igAccountId: string,
    igsid: string,
    page: PageRequest,
  ): Promise<StoredPage<MessageRecord>>;
}

/** A conversation as the inbox lists it, with its reply window at the time of the request. */
export interface ConversationListing {
  readonly conversation: Conversation;
  readonly window: ReplyWindow;
}

export interface InboxDeps {
  readonly inbox: InboxReader;
  readonly now: () => number;
}

export interface PageQuery {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** `GET /instagram/conversations` filters. */
export interface ConversationFilters {
  readonly window?: WindowFilter | undefined;
  readonly unread?: "true" | "false" | undefined;
  /** Prefix of the customer's username or name, any case. */
  readonly q?: string | undefined;
}

/** "closing": an open window (24-hour or ad) with less than this left (docs/app-api.md). */
export const CLOSING_SOON_MS = 2 * 60 * 60 * 1000;

/**
 * The filters as conditions on stored fields at `now`, by the reply window's own rule: `open` while the window
 * (24 h after the customer's last message, or 7 days after an ad-started thread's first message, whichever ends
 * later) closes after now; `closing` when it also closes within two hours; `closed` otherwise.
 */
export function storedFilter(filters: ConversationFilters, now: number): StoredFilter | undefined {
  const window: StoredFilter =
    filters.window === "open"
      ? { windowClosesAfter: windowAnchorBound(now) }
      : filters.window === "closing"
        ? {
            windowClosesAfter: windowAnchorBound(now),
            windowClosesAtOrBefore: windowAnchorBound(now + CLOSING_SOON_MS),
          }
        : filters.window === "closed"
          ? { windowClosesAtOrBefore: windowAnchorBound(now) }
          : {};
  const prefix = filters.q?.trim().toLocaleLowerCase("en-US");
  const filter: StoredFilter = {
    ...window,
    ...(filters.unread === "true" ? { unreadOnly: true } : {}),
    ...(prefix ? { customerPrefix: prefix } : {}),
  };
  return Object.keys(filter).length === 0 ? undefined : filter;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

/**
 * The Instagram account whose inbox the caller may read: that of their own integration in their own
 * organisation, while it is connected or awaiting reauthorisation. A revoked integration reads as none, so
 * an account that moved to another user is never visible to its former owner.
 */
export async function readableAccount(inbox: InboxReader, tenant: Tenant): Promise<string | undefined> {
  const integration = await inbox.integrationOf(tenant);
  if (integration === undefined || integration.status === "revoked") return undefined;
  return integration.igAccountId;
}

function scopeOf(list: string, tenant: Tenant, ...ids: string[]): string {
  return [list, tenant.imoId, tenant.userId, ...ids].join("|");
}

function nextCursor(scope: string, lastKey: PageKey | undefined): { nextCursor?: string } {
  return lastKey === undefined ? {} : { nextCursor: encodeCursor(scope, lastKey) };
}

/** The caller's conversations, most recent activity first. No readable integration: an empty inbox. */
export async function listConversations(
  deps: InboxDeps,
  tenant: Tenant,
  query: PageQuery & ConversationFilters,
): Promise<Page<ConversationListing>> {
  const igAccountId = await readableAccount(deps.inbox, tenant);
  if (igAccountId === undefined) {
    // A cursor can only have come from a list the caller could read; now there is none to continue.
    return { items: [] };
  }
  // A cursor continues the list it came from, filters included.
  const filters =
    query.window === undefined && query.unread === undefined
      ? []
      : [`window=${query.window ?? ""}&unread=${query.unread ?? ""}`];
  if (query.q !== undefined)
    filters.push(`q=${encodeURIComponent(query.q.trim().toLocaleLowerCase("en-US"))}`);
  const scope = scopeOf("conversations", tenant, igAccountId, ...filters);
  const startKey = query.cursor === undefined ? undefined : decodeCursor(query.cursor, scope);
  const now = deps.now();
  const filter = storedFilter(query, now);
  const page = await deps.inbox.conversationsPage(
    tenant.imoId,
    igAccountId,
    { limit: query.limit, ...(startKey ? { startKey } : {}) },
    ...(filter ? [filter] : []),
  );
  const items = page.items.map((conversation) => ({
    conversation,
    window: replyWindow(windowAnchors(conversation), now),
  }));
  return { items, ...nextCursor(scope, page.lastKey) };
}

/**
 * Messages of one of the caller's conversations, newest first. A conversation of another account, user or
 * organisation is indistinguishable from one that does not exist: 404.
 */
export async function listMessages(
  deps: InboxDeps,
  tenant: Tenant,
  conversationId: string,
  query: PageQuery,
): Promise<Page<MessageRecord> & { readonly conversation: Conversation }> {
  const notFound = () => new AppError("resource.not_found", "No such conversation.");
  const parsed = parseConversationId(conversationId);
  if (parsed === undefined) throw notFound();
  const igAccountId = await readableAccount(deps.inbox, tenant);
  if (igAccountId === undefined || igAccountId !== parsed.igAccountId) throw notFound();
  const scope = scopeOf("messages", tenant, igAccountId, parsed.igsid);
  const startKey = query.cursor === undefined ? undefined : decodeCursor(query.cursor, scope);
  const [conversation, page] = await Promise.all([
    deps.inbox.conversation(tenant.imoId, igAccountId, parsed.igsid),
    deps.inbox.messagesPage(tenant.imoId, igAccountId, parsed.igsid, {
      limit: query.limit,
      ...(startKey ? { startKey } : {}),
    }),
  ]);
  if (conversation === undefined) throw notFound();
  return { items: page.items, ...nextCursor(scope, page.lastKey), conversation };
}
