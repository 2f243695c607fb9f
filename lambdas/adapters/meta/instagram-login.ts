import {
  type InstagramLogin,
  type InstagramProfile,
  type LongLivedToken,
  MetaCallError,
  type ShortLivedToken,
} from "../../domain/connect/ports";
import type { MetaHosts } from "../../platform/runtime-config";
import { classOfMetaError } from "./call-failure";
import { MetaApiError, MetaNetworkError, MetaTimeoutError, metaFetch, parseMetaJson } from "./graph-http";

/**
 * `/me` fields valid on graph.instagram.com with Instagram Login. Only these: a field this flavour does not
 * know makes Meta answer "Unsupported request - method type: get" (the setup guide's bug #1).
 */
export const PROFILE_FIELDS = ["id", "user_id", "username", "name", "account_type"] as const;

/**
 * The avatar: `profile_picture_url` is listed on Meta's IG User reference for Instagram Login
 * (docs/meta-simulator.md row 38) and observed live, but the setup guide saw `/me` fail when it asked for it. So
 * it is asked for in a second call of its own: a refusal costs the avatar, never the connect (the guide's bug #1).
 */
export const AVATAR_FIELD = "profile_picture_url";

/** Webhook fields the inbound side handles; names as graph.instagram.com accepts them. */
export const SUBSCRIBED_FIELDS = [
  "messages",
  "message_reactions",
  "messaging_postbacks",
  "messaging_seen",
  "messaging_referral",
  "messaging_optins",
  "message_edit",
] as const;

const TIMEOUT_MS = 10_000;

type Json = Record<string, unknown>;

export function asObject(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** Accepts both the documented `{data:[{…}]}` wrapper and the flat object observed live. */
function unwrap(value: unknown): Json | undefined {
  const object = asObject(value);
  const data = object?.data;
  if (Array.isArray(data)) return asObject(data[0]);
  return object;
}

/** Ids arrive as strings, or as numbers that parseMetaJson kept exact (strings beyond 2^53). */
export function idOf(value: unknown): string | undefined {
  if (typeof value === "string" && /^\d{1,30}$/.test(value)) return value;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
  return undefined;
}

export function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function malformed(what: string): MetaCallError {
  return new MetaCallError(`Meta answered ${what} with an unexpected body`);
}

/** Turns metaFetch's errors into the domain's MetaCallError, keeping code, subcode and fbtrace_id only. */
export function translate(error: unknown, what: string): unknown {
  if (error instanceof MetaApiError) {
    const kind = classOfMetaError(error);
    return new MetaCallError(`${what} failed: ${error.message}`, {
      ...(error.code === undefined ? {} : { code: error.code }),
      ...(error.subcode === undefined ? {} : { subcode: error.subcode }),
      ...(error.fbtraceId === undefined ? {} : { fbtraceId: error.fbtraceId }),
      tokenRejected: kind === "token_invalid",
      transient: kind === "transient" || kind === "rate_limited",
    });
  }
  if (error instanceof MetaTimeoutError || error instanceof MetaNetworkError) {
    return new MetaCallError(`${what} failed: ${error.message}`, { transient: true });
  }
  return error;
}

export function longLived(body: string, what: string): LongLivedToken {
  const answer = asObject(parseMetaJson(body));
  const accessToken = text(answer?.access_token);
  const expiresIn = answer?.expires_in;
  if (accessToken === undefined) throw malformed(what);
  // Meta documents ~60 days; a missing expiry is treated as that, not as "never".
  const expiresInSeconds = typeof expiresIn === "number" && expiresIn > 0 ? expiresIn : 60 * 24 * 60 * 60;
  return { accessToken, expiresInSeconds };
}

/** Meta's Instagram Login endpoints (Instagram API with Instagram Login), over metaFetch. */
export function instagramLogin(
  hosts: MetaHosts,
  credentials: { readonly appId: string; readonly appSecret: string },
): InstagramLogin {
  const graph = (path: string) => new URL(`${hosts.graphUrl}/${hosts.graphVersion}/${path}`);
  const call = async (what: string, url: URL, init: RequestInit) => {
    try {
      return await metaFetch(url, init, { timeoutMs: TIMEOUT_MS });
    } catch (error) {
      throw translate(error, what);
    }
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  /** The avatar link, or undefined when Meta refuses or omits it (best effort: a failure never fails the connect). */
  const avatar = async (token: string): Promise<string | undefined> => {
    const url = graph("me");
    url.searchParams.set("fields", AVATAR_FIELD);
    try {
      const response = await call("avatar", url, { method: "GET", headers: bearer(token) });
      const link = text(unwrap(parseMetaJson(response.body))?.[AVATAR_FIELD]);
      return link?.startsWith("https://") ? link : undefined;
    } catch {
      return undefined;
    }
  };

  return {
    async exchangeCode(code: string, redirectUri: string): Promise<ShortLivedToken> {
      const form = new URLSearchParams({
        client_id: credentials.appId,
        client_secret: credentials.appSecret,
        grant_type: "authorization_code",
        redirect_uri: redirectUri,
        code: code.replace(/#_$/, ""),
      });
      const response = await call("code exchange", new URL(`${hosts.apiUrl}/oauth/access_token`), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
      });
      const answer = unwrap(parseMetaJson(response.body));
      const accessToken = text(answer?.access_token);
      if (accessToken === undefined) throw malformed("the code exchange");
      const appScopedUserId = idOf(answer?.user_id);
      const permissions = answer?.permissions;
      return {
        accessToken,
        ...(appScopedUserId === undefined ? {} : { appScopedUserId }),
        permissions: Array.isArray(permissions)
          ? permissions.filter((item): item is string => typeof item === "string")
          : typeof permissions === "string"
            ? permissions
                .split(",")
                .map((item) => item.trim())
                .filter((item) => item !== "")
            : [],
      };
    },

    async exchangeLongLived(shortLivedToken: string): Promise<LongLivedToken> {
      const url = new URL(`${hosts.graphUrl}/access_token`);
      url.searchParams.set("grant_type", "ig_exchange_token");
      url.searchParams.set("client_secret", credentials.appSecret);
      url.searchParams.set("access_token", shortLivedToken);
      const response = await call("long-lived exchange", url, { method: "GET" });
      return longLived(response.body, "the long-lived exchange");
    },

    async refresh(token: string): Promise<LongLivedToken> {
      const url = new URL(`${hosts.graphUrl}/refresh_access_token`);
      url.searchParams.set("grant_type", "ig_refresh_token");
      url.searchParams.set("access_token", token);
      const response = await call("token refresh", url, { method: "GET" });
      return longLived(response.body, "the token refresh");
    },

    async profile(token: string): Promise<InstagramProfile> {
      const url = graph("me");
      url.searchParams.set("fields", PROFILE_FIELDS.join(","));
      const response = await call("profile", url, { method: "GET", headers: bearer(token) });
      const answer = unwrap(parseMetaJson(response.body));
      const appScopedUserId = idOf(answer?.id);
      const igAccountId = idOf(answer?.user_id);
      const username = text(answer?.username);
      if (appScopedUserId === undefined || igAccountId === undefined || username === undefined) {
        throw malformed("the profile request");
      }
      const name = text(answer?.name);
      const accountType = text(answer?.account_type);
      const profilePictureUrl = await avatar(token);
      return {
        appScopedUserId,
        igAccountId,
        username,
        ...(name === undefined ? {} : { name }),
        ...(accountType === undefined ? {} : { accountType }),
        ...(profilePictureUrl === undefined ? {} : { profilePictureUrl }),
      };
    },

    async subscribe(igAccountId: string, token: string): Promise<void> {
      const url = graph(`${igAccountId}/subscribed_apps`);
      url.searchParams.set("subscribed_fields", SUBSCRIBED_FIELDS.join(","));
      const response = await call("webhook subscription", url, { method: "POST", headers: bearer(token) });
      const success = asObject(parseMetaJson(response.body))?.success;
      // Graph answers `true`; some doc samples show the string "true".
      if (success !== true && success !== "true") throw malformed("the webhook subscription");
    },

    async unsubscribe(igAccountId: string, token: string): Promise<void> {
      await call("webhook unsubscription", graph(`${igAccountId}/subscribed_apps`), {
        method: "DELETE",
        headers: bearer(token),
      });
    },
  };
}
