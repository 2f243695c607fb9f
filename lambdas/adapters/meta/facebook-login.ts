import { Defaults } from "../../contract/env";
import type { FacebookLogin, FacebookPageGrant } from "../../domain/connect/facebook-ports";
import type { LongLivedToken } from "../../domain/connect/ports";
import type { MetaHosts } from "../../platform/runtime-config";
import { metaFetch, parseMetaJson } from "./graph-http";
import { asObject, idOf, longLived, malformed, text, translate } from "./instagram-login";

/**
 * Page webhook fields the Facebook flavour subscribes (Messenger Platform webhook fields; Meta's "Webhook" page of
 * Messenger API support for Instagram: Instagram messaging events arrive once the Page is subscribed to any of
 * them). Names as `POST /<PAGE_ID>/subscribed_apps` accepts them (Page Subscribed Apps reference).
 */
export const PAGE_SUBSCRIBED_FIELDS = [
  "messages",
  "messaging_postbacks",
  "messaging_optins",
  "messaging_referrals",
  "message_reactions",
  "message_reads",
  "message_edits",
] as const;

/** `/me/accounts` fields: each Page's token and its linked Instagram professional account (issue 17). */
export const PAGE_LIST_FIELDS =
  "id,name,access_token,instagram_business_account{id,username,name,profile_picture_url}";

const TIMEOUT_MS = 10_000;
/** `/me/accounts` pages followed at most (100 Pages each): a person with more Pages than this is not expected. */
const MAX_PAGE_LISTS = 10;

/** The Graph host of the Facebook flavour, and its base URL with the version. */
export function facebookGraphBase(hosts: MetaHosts): string {
  return `${hosts.facebookGraphUrl ?? Defaults.facebookGraphUrl}/${hosts.graphVersion}`;
}

/** Meta's Facebook Login (Login for Business) and Pages endpoints on graph.facebook.com, over metaFetch. */
export function facebookLogin(
  hosts: MetaHosts,
  credentials: { readonly appId: string; readonly appSecret: string },
): FacebookLogin {
  const base = facebookGraphBase(hosts);
  const graph = (path: string) => new URL(`${base}/${path}`);
  const call = async (what: string, url: URL, init: RequestInit) => {
    try {
      return await metaFetch(url, init, { timeoutMs: TIMEOUT_MS });
    } catch (error) {
      throw translate(error, what);
    }
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  return {
    async exchangeCode(code, redirectUri) {
      const url = graph("oauth/access_token");
      url.searchParams.set("client_id", credentials.appId);
      url.searchParams.set("redirect_uri", redirectUri);
      url.searchParams.set("client_secret", credentials.appSecret);
      url.searchParams.set("code", code);
      const response = await call("code exchange", url, { method: "GET" });
      const accessToken = text(asObject(parseMetaJson(response.body))?.access_token);
      if (accessToken === undefined) throw malformed("the code exchange");
      return { accessToken };
    },

    async exchangeLongLived(userToken): Promise<LongLivedToken> {
      const url = graph("oauth/access_token");
      url.searchParams.set("grant_type", "fb_exchange_token");
      url.searchParams.set("client_id", credentials.appId);
      url.searchParams.set("client_secret", credentials.appSecret);
      url.searchParams.set("fb_exchange_token", userToken);
      const response = await call("long-lived exchange", url, { method: "GET" });
      return longLived(response.body, "the long-lived exchange");
    },

    async me(userToken) {
      const url = graph("me");
      url.searchParams.set("fields", "id");
      const response = await call("profile", url, { method: "GET", headers: bearer(userToken) });
      const facebookUserId = idOf(asObject(parseMetaJson(response.body))?.id);
      if (facebookUserId === undefined) throw malformed("the profile request");
      return { facebookUserId };
    },

    async pages(userToken) {
      const grants: FacebookPageGrant[] = [];
      let next: URL | undefined = graph("me/accounts");
      next.searchParams.set("fields", PAGE_LIST_FIELDS);
      next.searchParams.set("limit", "100");
      for (let list = 0; next !== undefined && list < MAX_PAGE_LISTS; list++) {
        const response = await call("page list", next, { method: "GET", headers: bearer(userToken) });
        const answer = asObject(parseMetaJson(response.body));
        if (!Array.isArray(answer?.data)) throw malformed("the page list");
        for (const entry of answer.data) grants.push(...pageGrant(entry));
        // Follow only `after` on our own URL: `paging.next` would carry the token in its query.
        const after = text(asObject(asObject(answer.paging)?.cursors)?.after);
        const hasNext = text(asObject(answer.paging)?.next) !== undefined;
        if (after === undefined || !hasNext) next = undefined;
        else next.searchParams.set("after", after);
      }
      return grants;
    },

    async subscribePage(pageId, pageToken) {
      const url = graph(`${encodeURIComponent(pageId)}/subscribed_apps`);
      url.searchParams.set("subscribed_fields", PAGE_SUBSCRIBED_FIELDS.join(","));
      const response = await call("page subscription", url, { method: "POST", headers: bearer(pageToken) });
      const success = asObject(parseMetaJson(response.body))?.success;
      if (success !== true && success !== "true") throw malformed("the page subscription");
      // "Check it took": read the Page's subscribed apps back and find ours with `messages`.
      const check = await call(
        "page subscription check",
        graph(`${encodeURIComponent(pageId)}/subscribed_apps`),
        {
          method: "GET",
          headers: bearer(pageToken),
        },
      );
      const apps = asObject(parseMetaJson(check.body))?.data;
      const ours = Array.isArray(apps)
        ? apps.map(asObject).find((app) => app !== undefined && idOf(app.id) === credentials.appId)
        : undefined;
      const fields = Array.isArray(ours?.subscribed_fields) ? ours.subscribed_fields : [];
      if (!fields.includes("messages")) throw malformed("the page subscription check (app not subscribed)");
    },

    async unsubscribePage(pageId, pageToken) {
      await call("page unsubscription", graph(`${encodeURIComponent(pageId)}/subscribed_apps`), {
        method: "DELETE",
        headers: bearer(pageToken),
      });
    },
  };
}

/** One `/me/accounts` entry; an entry without an id or token is skipped (it could not be connected anyway). */
function pageGrant(value: unknown): FacebookPageGrant[] {
  const entry = asObject(value);
  const pageId = idOf(entry?.id);
  const accessToken = text(entry?.access_token);
  if (pageId === undefined || accessToken === undefined) return [];
  const linked = asObject(entry?.instagram_business_account);
  const igAccountId = idOf(linked?.id);
  const username = text(linked?.username);
  const name = text(linked?.name);
  return [
    {
      pageId,
      pageName: text(entry?.name) ?? pageId,
      accessToken,
      ...(igAccountId === undefined || username === undefined
        ? {}
        : { instagram: { igAccountId, username, ...(name === undefined ? {} : { name }) } }),
    },
  ];
}
