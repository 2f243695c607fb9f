import type {
  AccountType,
  Integration,
  IntegrationStatus,
  Restriction,
  SealedToken,
} from "../../domain/integration";
import { sortKeyTime } from "./dates";
import { Keys } from "./keys";

/** The stored shape of an Integration: its fields plus the keys of every index it appears in. */
export interface IntegrationItem extends Integration {
  readonly pk: string;
  readonly sk: string;
  readonly entity: "integration";
  /** gsi1: by Instagram account (webhook routing); only connected integrations are routed to. */
  readonly gsi1pk: string;
  readonly gsi1sk: string;
  /** gsi2: by app-scoped user id (deauthorize, data deletion). */
  readonly gsi2pk: string;
  readonly gsi2sk: string;
  /** gsi3: by token expiry (refresh); absent when there is no token. */
  readonly gsi3pk?: string;
  readonly gsi3sk?: string;
}

/** Builds the item for an integration; the one place that decides its index keys. */
export function integrationItem(integration: Integration): IntegrationItem {
  const owner = `ORG#${integration.imoId}#USER#${integration.userId}`;
  const hasToken = integration.token !== undefined && integration.tokenExpiresAt !== undefined;
  return {
    ...integration,
    ...Keys.integration(integration.imoId, integration.userId),
    entity: "integration",
    ...Keys.integrationsByAccount(integration.igAccountId),
    gsi1sk: owner,
    ...Keys.integrationsByAppUser(integration.appScopedUserId),
    gsi2sk: owner,
    ...(hasToken
      ? {
          ...Keys.tokenExpiryPartition(),
          gsi3sk: `${sortKeyTime(integration.tokenExpiresAt ?? 0)}#${owner}`,
        }
      : {}),
  };
}

/** Reads an integration back from an item, dropping the key attributes. */
export function integrationFromItem(item: Record<string, unknown>): Integration {
  const text = (name: string) => {
    const value = item[name];
    if (typeof value !== "string") throw new Error(`Integration item lacks ${name}`);
    return value;
  };
  const number = (name: string) => {
    const value = item[name];
    return typeof value === "number" ? value : undefined;
  };
  const token = item.token as SealedToken | undefined;
  const name = item.name;
  const profilePictureUrl = item.profilePictureUrl;
  const tokenUserId = item.tokenUserId;
  const tokenIssuedAt = number("tokenIssuedAt");
  const tokenExpiresAt = number("tokenExpiresAt");
  const restriction = restrictionOf(item.restriction);
  const accountType = item.accountType;
  const page = pageOf(item.page);
  const facebookUserId = item.facebookUserId;
  return {
    imoId: text("imoId"),
    userId: text("userId"),
    igAccountId: text("igAccountId"),
    appScopedUserId: text("appScopedUserId"),
    ...(typeof tokenUserId === "string" ? { tokenUserId } : {}),
    username: text("username"),
    ...(typeof name === "string" ? { name } : {}),
    ...(typeof accountType === "string" ? { accountType: accountType as AccountType } : {}),
    ...(item.loginFlavour === "facebook" ? { loginFlavour: "facebook" as const } : {}),
    ...(page === undefined ? {} : { page }),
    ...(typeof facebookUserId === "string" ? { facebookUserId } : {}),
    ...(typeof profilePictureUrl === "string" ? { profilePictureUrl } : {}),
    status: text("status") as IntegrationStatus,
    ...(token ? { token } : {}),
    ...(tokenIssuedAt === undefined ? {} : { tokenIssuedAt }),
    ...(tokenExpiresAt === undefined ? {} : { tokenExpiresAt }),
    connectedAt: number("connectedAt") ?? 0,
    ...(restriction === undefined ? {} : { restriction }),
    updatedAt: number("updatedAt") ?? 0,
    version: number("version") ?? 0,
  };
}

/** The stored restriction map, if well-formed (an unknown reason reads as the generic one). */
function restrictionOf(value: unknown): Restriction | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.since !== "number" || typeof r.seenAt !== "number") return undefined;
  return {
    reason: r.reason === "business_blocked" ? "business_blocked" : "account_restricted",
    since: r.since,
    seenAt: r.seenAt,
  };
}

/** The stored Page of a Facebook-flavour integration, if well-formed. */
function pageOf(value: unknown): Integration["page"] {
  if (typeof value !== "object" || value === null) return undefined;
  const { id, name } = value as Record<string, unknown>;
  return typeof id === "string" && typeof name === "string" ? { id, name } : undefined;
}

/**
 * Every id Meta may name the integration's person by, without repeats (see Keys.personLink). For the Facebook
 * flavour that is the app-scoped Facebook user id only: the Facebook app's signed_requests carry it, and the
 * person (a Page admin) is not the Instagram account, so the account's ids must not lead to them.
 */
export function personIdsOf(integration: Integration): string[] {
  const ids =
    integration.loginFlavour === "facebook"
      ? [integration.facebookUserId ?? integration.appScopedUserId]
      : [integration.appScopedUserId, integration.igAccountId, integration.tokenUserId];
  return [...new Set(ids.filter((id): id is string => id !== undefined && id !== ""))];
}
