import { randomBytes } from "node:crypto";
import { DAY, DEFAULT_ACCOUNT, HOUR } from "./model";

/*
 * The Facebook Login flavour (Messenger Platform → Instagram Messaging): people with a Facebook account, their
 * Pages, each Page optionally linked to one of the simulator's Instagram professional accounts, and the tokens
 * graph.facebook.com issues for them. Sources: docs/meta-simulator.md, "Facebook Login flavour".
 */

/** A Facebook Page the person has a role on. */
export interface SimFacebookPage {
  /** Page id: `/me/accounts` `data[].id`, the `<PAGE_ID>` of `/<PAGE_ID>/messages` and `/subscribed_apps`. */
  readonly id: string;
  readonly name: string;
  readonly category?: string;
  /** The linked Instagram professional account (`SimAccount.igId`); absent: no linked account. */
  readonly igAccountId?: string;
}

/** A person who logs in with Facebook. */
export interface SimFacebookUser {
  /** App-scoped Facebook user id: `/me.id`, debug_token `user_id`, signed_request `user_id`. */
  readonly id: string;
  readonly name: string;
  /** Zero, one or several Pages. */
  readonly pages: readonly SimFacebookPage[];
}

/** The default Page: linked to the default Instagram account (graph-responses.md §2.4 fixture ids). */
export const DEFAULT_FACEBOOK_PAGE: SimFacebookPage = {
  id: "104982763519285",
  name: "Riviera Linen Studio",
  category: "Clothing store",
  igAccountId: DEFAULT_ACCOUNT.igId,
};

export const DEFAULT_FACEBOOK_USER: SimFacebookUser = {
  id: "10160412345678901",
  name: "Camille Riviera",
  pages: [DEFAULT_FACEBOOK_PAGE],
};

/** Why a token stopped working; each answers 190 with its subcode (Graph error-handling page). */
export const InvalidationReasons = ["password_change", "role_removal", "app_removal"] as const;
export type InvalidationReason = (typeof InvalidationReasons)[number];

export const INVALIDATION_SUBCODE: Record<InvalidationReason, number> = {
  app_removal: 458,
  password_change: 460,
  role_removal: 492,
};

/** Scopes the Facebook Login dialog accepts here (Instagram Messaging via Messenger + Pages). */
export const FACEBOOK_SCOPES = new Set([
  "public_profile",
  "email",
  "instagram_basic",
  "instagram_manage_messages",
  "instagram_manage_comments",
  "pages_show_list",
  "pages_manage_metadata",
  "pages_read_engagement",
  "pages_messaging",
  "business_management",
]);

/** Page webhook fields `POST /<PAGE_ID>/subscribed_apps` accepts (Messenger webhook fields + `feed`). */
export const PAGE_SUBSCRIBABLE_FIELDS = [
  "feed",
  "messages",
  "messaging_postbacks",
  "messaging_optins",
  "messaging_referrals",
  "messaging_handovers",
  "messaging_policy_enforcement",
  "message_deliveries",
  "message_reads",
  "message_echoes",
  "message_reactions",
  "message_edits",
  "standby",
] as const;

/** Short-lived user tokens: "expiring in hours"; the shortest reading (1 h) is used. */
export const FB_SHORT_LIVED_SECONDS = HOUR / 1000;
/** Long-lived user tokens: the documented `expires_in` sample. */
export const FB_LONG_LIVED_SECONDS = 5_183_944;
/** Data access lasts 90 days from the person's grant. */
export const DATA_ACCESS_MS = 90 * DAY;
/** Authorization codes: not documented for Facebook; 10 minutes (shorter is the safe reading). */
export const FB_CODE_TTL_MS = 10 * 60_000;

export type FacebookTokenKind = "user_short" | "user_long" | "page";

export interface FacebookTokenRecord {
  readonly kind: FacebookTokenKind;
  readonly userId: string;
  /** Page tokens only. */
  readonly pageId?: string;
  readonly scopes: readonly string[];
  /** The Pages the person granted in the dialog. */
  readonly pageIds: readonly string[];
  readonly issuedAt: number;
  /** Unix ms; 0 means never (a Page token from a long-lived user token). */
  readonly expiresAt: number;
  readonly dataAccessExpiresAt: number;
  invalidated?: InvalidationReason;
}

export interface FacebookCodeRecord {
  readonly redirectUri: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly pageIds: readonly string[];
  readonly issuedAt: number;
  used: boolean;
}

/** The Facebook-flavour helpers of a running simulator (`sim.facebook`). */
export interface FacebookSimulator {
  /** The dialog's decision without a browser; resolves to the redirect URL (with `code` or `error`). */
  authorize(input: {
    redirectUri: string;
    scope: string;
    state?: string;
    /** Default: the first Facebook user. */
    userId?: string;
    /** Pages granted; default all of the person's Pages. */
    pageIds?: readonly string[];
    deny?: boolean;
    clientId?: string;
  }): string;
  /** A never-expiring Page token (as from a long-lived user token), to seed an integration. */
  issuePageToken(input?: { pageId?: string; userId?: string }): string;
  /** Password change, Page role removal or app removal: the affected tokens answer 190 with the subcode. */
  invalidate(input: { reason: InvalidationReason; userId?: string; pageId?: string }): number;
  /** Fields the Page is subscribed to through the Facebook app. */
  subscriptions(pageId?: string): string[];
  /** The person removes the Facebook app: tokens invalid (458), subscriptions gone, signed_request POSTed. */
  deauthorize(input: {
    url: string;
    userId?: string;
    secret?: string;
  }): Promise<{ status: number; body: string }>;
  /** The person asks for data deletion: a signed_request (with `expires`) POSTed to `url`. */
  requestDataDeletion(input: {
    url: string;
    userId?: string;
    secret?: string;
  }): Promise<{ status: number; body: string }>;
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A Facebook user or Page token: `EAA…`, about 200 characters (graph-responses.md, id formats). */
export function newFacebookToken(): string {
  let out = "EAAR";
  for (const b of randomBytes(196)) out += ALNUM[b % ALNUM.length];
  return out;
}

/** A Facebook Login code (`AQ…`). */
export function newFacebookCode(): string {
  return `AQD${randomBytes(120).toString("base64url")}`;
}
