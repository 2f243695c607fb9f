import type { Integration } from "../integration";
import { openToken, sealToken, type TokenKeys } from "../token-seal";
import { withoutToken } from "./connect-rules";
import { type InstagramLogin, type IntegrationStore, MetaCallError } from "./ports";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** When a long-lived token is refreshed: Meta refuses tokens younger than 24 h; we refresh within N days of expiry. */
export interface RefreshPolicy {
  readonly minAgeMs: number;
  readonly windowMs: number;
  /** How many refreshes run at once. */
  readonly concurrency: number;
}

export const DEFAULT_REFRESH_POLICY: RefreshPolicy = { minAgeMs: DAY, windowMs: 10 * DAY, concurrency: 4 };

export type RefreshDecision = "refresh" | "not_due" | "too_young" | "expired" | "not_connected";

/** Decides what to do with one integration at `now`. */
export function refreshDecision(
  integration: Integration,
  now: number,
  policy: RefreshPolicy,
): RefreshDecision {
  if (integration.status !== "connected" || integration.token === undefined) return "not_connected";
  const expiresAt = integration.tokenExpiresAt;
  if (expiresAt === undefined) return "not_connected";
  if (expiresAt <= now) return "expired";
  if (expiresAt - now > policy.windowMs) return "not_due";
  if (now - (integration.tokenIssuedAt ?? integration.connectedAt) < policy.minAgeMs) return "too_young";
  return "refresh";
}

export type RefreshOutcome = "refreshed" | "rejected" | "expired" | "failed" | "skipped" | "conflict";

export interface RefreshDeps {
  readonly store: IntegrationStore;
  readonly login: InstagramLogin;
  readonly keys: TokenKeys;
  readonly now: () => number;
  readonly policy: RefreshPolicy;
  readonly onSecret: (value: string) => void;
  /** Told about every failure that is not a plain rejection (for the log); never given a token. */
  readonly onFailure?: (integration: Integration, error: unknown) => void;
}

/**
 * Refreshes one integration's token if the policy says so. A token Meta rejects (code 190), or one already
 * expired, turns the integration into `needs_reauth` and erases the useless token.
 */
export async function refreshOne(integration: Integration, deps: RefreshDeps): Promise<RefreshOutcome> {
  const decision = refreshDecision(integration, deps.now(), deps.policy);
  if (decision === "expired") {
    const saved = await deps.store.save(
      withoutToken(integration, "needs_reauth", deps.now()),
      integration.version,
    );
    return saved === "applied" ? "expired" : "conflict";
  }
  if (decision !== "refresh" || integration.token === undefined) return "skipped";
  let token: string;
  try {
    token = openToken(integration.token, deps.keys, integration);
  } catch (error) {
    deps.onFailure?.(integration, error);
    return "failed";
  }
  deps.onSecret(token);
  try {
    const refreshed = await deps.login.refresh(token);
    deps.onSecret(refreshed.accessToken);
    const now = deps.now();
    const next: Integration = {
      ...integration,
      token: sealToken(refreshed.accessToken, deps.keys, integration),
      tokenIssuedAt: now,
      tokenExpiresAt: now + refreshed.expiresInSeconds * 1000,
      updatedAt: now,
      version: integration.version + 1,
    };
    return (await deps.store.save(next, integration.version)) === "applied" ? "refreshed" : "conflict";
  } catch (error) {
    if (error instanceof MetaCallError && error.tokenRejected) {
      deps.onFailure?.(integration, error);
      const saved = await deps.store.save(
        withoutToken(integration, "needs_reauth", deps.now()),
        integration.version,
      );
      return saved === "applied" ? "rejected" : "conflict";
    }
    deps.onFailure?.(integration, error);
    return "failed";
  }
}

export type RefreshReport = Record<RefreshOutcome, number> & {
  readonly examined: number;
  readonly pages: number;
};

/** Runs `work` over `items` with at most `limit` in flight. */
async function eachBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/**
 * The scheduled refresh: walks the tokens expiring within the policy's window (soonest first, page by page)
 * and refreshes those old enough, with bounded concurrency. Returns the counts for logs and metrics.
 */
export async function refreshDueTokens(deps: RefreshDeps): Promise<RefreshReport> {
  const counts = {
    refreshed: 0,
    rejected: 0,
    expired: 0,
    failed: 0,
    skipped: 0,
    conflict: 0,
    examined: 0,
    pages: 0,
  };
  const threshold = deps.now() + deps.policy.windowMs;
  let cursor: string | undefined;
  do {
    const page = await deps.store.expiringBefore(threshold, cursor);
    counts.pages++;
    counts.examined += page.items.length;
    await eachBounded(page.items, deps.policy.concurrency, async (integration) => {
      let outcome: RefreshOutcome;
      try {
        outcome = await refreshOne(integration, deps);
      } catch (error) {
        deps.onFailure?.(integration, error);
        outcome = "failed";
      }
      counts[outcome]++;
    });
    cursor = page.cursor;
  } while (cursor !== undefined);
  return counts;
}
