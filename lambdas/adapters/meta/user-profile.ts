import { usageSignal } from "../../domain/meta-errors";
import type { UserProfileApi, UserProfileResult } from "../../domain/profile/ports";
import type { CustomerProfile } from "../../domain/profile/profile";
import { registerSecretValue } from "../../platform/redaction";
import type { MetaHosts } from "../../platform/runtime-config";
import { MetaApiError, MetaNetworkError, MetaTimeoutError, metaFetch, parseMetaJson } from "./graph-http";
import { graphBaseOf } from "./graph-target";
import { classifiedFailure } from "./send-api";

/** Well below the worker's 30 s timeout: a slow answer is retried later rather than holding the batch. */
export const USER_PROFILE_TIMEOUT_MS = 8_000;

/**
 * The User Profile API fields for Instagram Login (Meta's "User Profile" page, docs/app-api.md sources): every
 * one the inbox shows. Meta answers only for a person who messaged the account (consent rule).
 */
export const USER_PROFILE_FIELDS =
  "name,username,profile_pic,follower_count,is_user_follow_business,is_business_follow_user,is_verified_user";

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
const bool = (v: unknown) => (typeof v === "boolean" ? v : undefined);
const count = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined);

/** Meta's answer as our profile; null and missing fields (Meta says `name`, `profile_pic` may be null) are left out. */
export function profileFromGraph(body: Record<string, unknown>): CustomerProfile {
  const fields: CustomerProfile = {
    name: str(body.name),
    username: str(body.username),
    profilePictureUrl: str(body.profile_pic),
    followerCount: count(body.follower_count),
    isVerified: bool(body.is_verified_user),
    followsBusiness: bool(body.is_user_follow_business),
    businessFollows: bool(body.is_business_follow_user),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as CustomerProfile;
}

/**
 * `GET /<IGSID>?fields=…` on graph.instagram.com with the account's token (or graph.facebook.com with the Page
 * token, Facebook Login); every failure classified.
 */
export function graphUserProfile(hosts: MetaHosts, timeoutMs = USER_PROFILE_TIMEOUT_MS): UserProfileApi {
  return {
    async fetch({ igsid, accessToken, target }): Promise<UserProfileResult> {
      registerSecretValue(accessToken);
      // The same IGSID node on graph.facebook.com with the Page token for Facebook Login integrations.
      const base = graphBaseOf(hosts, target ?? { host: "instagram", nodeId: igsid });
      const url = new URL(`${base}/${encodeURIComponent(igsid)}`);
      url.searchParams.set("fields", USER_PROFILE_FIELDS);
      try {
        const response = await metaFetch(
          url,
          { method: "GET", headers: { authorization: `Bearer ${accessToken}` } },
          { timeoutMs },
        );
        const parsed = parseMetaJson(response.body);
        if (typeof parsed !== "object" || parsed === null) return { ok: false, kind: "transient" };
        const usage = usageSignal(response.headers);
        return {
          ok: true,
          profile: profileFromGraph(parsed as Record<string, unknown>),
          ...(usage === undefined ? {} : { usage }),
        };
      } catch (error) {
        if (error instanceof MetaApiError) {
          const failure = classifiedFailure(error);
          if (failure.ok) return { ok: false, kind: "unknown" };
          return {
            ok: false,
            kind: failure.kind,
            ...("retryAfterMs" in failure && failure.retryAfterMs !== undefined
              ? { retryAfterMs: failure.retryAfterMs }
              : {}),
            ...("scope" in failure && failure.scope !== undefined ? { scope: failure.scope } : {}),
          };
        }
        if (error instanceof MetaTimeoutError || error instanceof MetaNetworkError) {
          return { ok: false, kind: "transient" };
        }
        throw error;
      }
    },
  };
}
