import { type AccountType, flavourOf, type Integration, type SealedToken } from "../integration";
import type { Tenant } from "../tenant";
import type { AccountClaim, ConnectPlan, IntegrationStore } from "./ports";

/** What the OAuth callback learned about the account, with its token already sealed. */
export interface IncomingConnection {
  readonly igAccountId: string;
  readonly appScopedUserId: string;
  /** The token exchange's `user_id`, when Meta sent one. */
  readonly tokenUserId?: string;
  readonly username: string;
  readonly name?: string;
  /** Absent for the Facebook flavour (the Page's linked account does not report it). */
  readonly accountType?: AccountType;
  /** Facebook flavour: the Page, and the Facebook user who connected it. */
  readonly loginFlavour?: "facebook";
  readonly page?: { readonly id: string; readonly name: string };
  readonly facebookUserId?: string;
  /** The account's avatar (an expiring CDN link), when Meta answered it. */
  readonly profilePictureUrl?: string;
  readonly token: SealedToken;
  /** Epoch ms. */
  readonly tokenIssuedAt: number;
  /** Absent: the token does not expire (a Page token from a long-lived user token). */
  readonly tokenExpiresAt?: number;
}

/** Which of the reconnect orders a connect turned out to be (for logs and tests). */
export type ConnectKind =
  | "created" // no integration for the user, account free
  | "refreshed" // same user, same account
  | "replaced" // same user, a different account: the old account's claim is released
  | "taken_over"; // another user of the organisation held the account: their integration is revoked

/** What the store held for the caller and the account when the plan was made. */
export interface ConnectSnapshot {
  readonly current?: Integration;
  readonly claim?: AccountClaim;
  /** The integration of the claim's holder, when that is another user. */
  readonly claimHolder?: Integration;
}

/** A non-revoked integration holds the claim of its account; a revoked one has released it. */
function holdsClaim(integration: Integration): boolean {
  return integration.status !== "revoked";
}

/** The integration without its token: what revoking leaves behind. */
export function withoutToken(
  integration: Integration,
  status: Integration["status"],
  now: number,
): Integration {
  const { token: _token, tokenIssuedAt: _issued, tokenExpiresAt: _expires, ...rest } = integration;
  return { ...rest, status, updatedAt: now, version: integration.version + 1 };
}

/**
 * Plans one connect so that both uniqueness rules hold whatever order connects arrive in: one integration per
 * (organisation, user) — the item key — and one per (organisation, account) — the claim. Pure: the store
 * applies the plan atomically, conditioned on the versions it was planned from.
 */
export function planConnect(
  tenant: Tenant,
  incoming: IncomingConnection,
  snapshot: ConnectSnapshot,
  now: number,
): { plan: ConnectPlan; kind: ConnectKind } {
  const { current, claim, claimHolder } = snapshot;
  const sameAccount = current !== undefined && current.igAccountId === incoming.igAccountId;
  const integration: Integration = {
    imoId: tenant.imoId,
    userId: tenant.userId,
    igAccountId: incoming.igAccountId,
    appScopedUserId: incoming.appScopedUserId,
    ...(incoming.tokenUserId === undefined ? {} : { tokenUserId: incoming.tokenUserId }),
    username: incoming.username,
    ...(incoming.name === undefined ? {} : { name: incoming.name }),
    ...(incoming.accountType === undefined ? {} : { accountType: incoming.accountType }),
    ...(incoming.loginFlavour === undefined ? {} : { loginFlavour: incoming.loginFlavour }),
    ...(incoming.page === undefined ? {} : { page: incoming.page }),
    ...(incoming.facebookUserId === undefined ? {} : { facebookUserId: incoming.facebookUserId }),
    ...(incoming.profilePictureUrl === undefined ? {} : { profilePictureUrl: incoming.profilePictureUrl }),
    status: "connected",
    token: incoming.token,
    tokenIssuedAt: incoming.tokenIssuedAt,
    ...(incoming.tokenExpiresAt === undefined ? {} : { tokenExpiresAt: incoming.tokenExpiresAt }),
    // Reconnecting the same account (a new token, or after needs_reauth) keeps when it was first connected.
    connectedAt: sameAccount && current.status !== "revoked" ? current.connectedAt : now,
    updatedAt: now,
    version: (current?.version ?? 0) + 1,
  };
  const takenFrom = claim !== undefined && claim.userId !== tenant.userId ? claimHolder : undefined;
  // A stale claim (its holder no longer has this account) is simply overwritten; only a live holder is revoked.
  const displaced =
    takenFrom !== undefined && takenFrom.igAccountId === incoming.igAccountId && holdsClaim(takenFrom)
      ? { integration: withoutToken(takenFrom, "revoked", now), expectedVersion: takenFrom.version }
      : undefined;
  const releaseClaimOf =
    current !== undefined && !sameAccount && holdsClaim(current) ? current.igAccountId : undefined;
  const plan: ConnectPlan = {
    integration,
    expectedVersion: current?.version,
    claim: { version: (claim?.version ?? 0) + 1, expectedVersion: claim?.version },
    ...(releaseClaimOf === undefined ? {} : { releaseClaimOf }),
    ...(displaced === undefined ? {} : { displaced }),
  };
  const kind: ConnectKind =
    claim !== undefined && claim.userId !== tenant.userId
      ? "taken_over"
      : sameAccount
        ? "refreshed"
        : current !== undefined && holdsClaim(current)
          ? "replaced"
          : "created";
  return { plan, kind };
}

/** How many times a connect is re-planned after losing a race before giving up. */
export const MAX_CONNECT_ATTEMPTS = 8;

/**
 * Stores a new connection for the caller: reads the caller's integration and the account's claim, plans,
 * and applies atomically; when a concurrent change wins the race, re-reads and re-plans. Never a
 * duplicate-key failure: every write is conditioned on what was read.
 */
export async function connectIntegration(
  store: IntegrationStore,
  tenant: Tenant,
  incoming: IncomingConnection,
  now: () => number,
  pause: (attempt: number) => Promise<void> = async () => undefined,
): Promise<{ integration: Integration; kind: ConnectKind; attempts: number; replaced?: Integration }> {
  for (let attempt = 1; attempt <= MAX_CONNECT_ATTEMPTS; attempt++) {
    const [current, claim] = await Promise.all([
      store.get(tenant.imoId, tenant.userId),
      store.getClaim(tenant.imoId, incoming.igAccountId),
    ]);
    const claimHolder =
      claim !== undefined && claim.userId !== tenant.userId
        ? await store.get(tenant.imoId, claim.userId)
        : undefined;
    const snapshot: ConnectSnapshot = {
      ...(current === undefined ? {} : { current }),
      ...(claim === undefined ? {} : { claim }),
      ...(claimHolder === undefined ? {} : { claimHolder }),
    };
    const { plan, kind } = planConnect(tenant, incoming, snapshot, now());
    if ((await store.applyConnect(plan)) === "applied") {
      // The user switched accounts, or the same account to the other flavour (its old subscription belongs to the
      // other app): the caller unsubscribes the old one at Meta if nobody else holds it.
      const switchedFlavour =
        current !== undefined && flavourOf(current) !== (incoming.loginFlavour ?? "instagram");
      const replaced = kind === "replaced" || (kind === "refreshed" && switchedFlavour) ? current : undefined;
      return { integration: plan.integration, kind, attempts: attempt, ...(replaced ? { replaced } : {}) };
    }
    await pause(attempt);
  }
  throw new Error("Connect lost the race too many times; the integration was not changed");
}
