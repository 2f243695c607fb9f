import { randomBytes } from "node:crypto";
import type { Integration } from "../integration";
import type { Tenant } from "../tenant";
import { openToken, type TokenKeys } from "../token-seal";
import { withoutToken } from "./connect-rules";
import type { DataDeletionRecord, DataDeletionStore, InstagramLogin, IntegrationStore } from "./ports";

/** How often a lifecycle change is retried after a concurrent write wins. */
const MAX_ATTEMPTS = 5;

/** What `GET /instagram/integration` shows: never a token. Times are epoch ms here, ISO on the wire. */
export interface IntegrationSummary {
  /** `restricted` is a connected integration whose account Meta currently refuses to send for. */
  readonly status: Integration["status"] | "restricted";
  readonly username: string;
  readonly name?: string;
  readonly accountType: Integration["accountType"];
  readonly igAccountId: string;
  readonly connectedAt: number;
  readonly tokenExpiresAt?: number;
  readonly restriction?: Integration["restriction"];
}

export function summarise(integration: Integration): IntegrationSummary {
  const restricted = integration.status === "connected" && integration.restriction !== undefined;
  return {
    status: restricted ? "restricted" : integration.status,
    ...(restricted ? { restriction: integration.restriction } : {}),
    username: integration.username,
    ...(integration.name === undefined ? {} : { name: integration.name }),
    accountType: integration.accountType,
    igAccountId: integration.igAccountId,
    connectedAt: integration.connectedAt,
    ...(integration.tokenExpiresAt === undefined ? {} : { tokenExpiresAt: integration.tokenExpiresAt }),
  };
}

export async function integrationOf(
  store: IntegrationStore,
  tenant: Tenant,
): Promise<IntegrationSummary | undefined> {
  const integration = await store.get(tenant.imoId, tenant.userId);
  return integration === undefined ? undefined : summarise(integration);
}

/** Outcome of a disconnect; `unsubscribe` reports the best-effort call to Meta. */
export interface DisconnectResult {
  readonly disconnected: boolean;
  readonly unsubscribe: "done" | "skipped" | { readonly failed: unknown };
}

/**
 * `DELETE /instagram/integration`: the integration stays as `revoked` (so the app can show it was
 * disconnected) with its token erased and the account's claim released. The webhook subscription is
 * removed at Meta (best effort) only when no other organisation still has the account connected.
 */
export async function disconnect(
  tenant: Tenant,
  deps: {
    store: IntegrationStore;
    login: InstagramLogin;
    keys: TokenKeys;
    now: () => number;
    onSecret: (value: string) => void;
  },
): Promise<DisconnectResult> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await deps.store.get(tenant.imoId, tenant.userId);
    if (current === undefined || current.status === "revoked")
      return { disconnected: false, unsubscribe: "skipped" };
    const outcome = await deps.store.save(withoutToken(current, "revoked", deps.now()), current.version, {
      releaseClaim: true,
    });
    if (outcome === "conflict") continue;
    return { disconnected: true, unsubscribe: await unsubscribeIfUnused(current, deps) };
  }
  throw new Error("Disconnect lost the race too many times");
}

/** Unsubscribes a removed integration's account at Meta (best effort) unless another live integration holds it. */
export async function unsubscribeIfUnused(
  removed: Integration,
  deps: {
    store: IntegrationStore;
    login: InstagramLogin;
    keys: TokenKeys;
    onSecret: (value: string) => void;
  },
): Promise<DisconnectResult["unsubscribe"]> {
  if (removed.token === undefined) return "skipped";
  const others = await deps.store.findByAccount(removed.igAccountId);
  const stillUsed = others.some(
    (other) =>
      other.status !== "revoked" && !(other.imoId === removed.imoId && other.userId === removed.userId),
  );
  if (stillUsed) return "skipped";
  try {
    const token = openToken(removed.token, deps.keys);
    deps.onSecret(token);
    await deps.login.unsubscribe(removed.igAccountId, token);
    return "done";
  } catch (error) {
    return { failed: error };
  }
}

/**
 * Revokes one integration of an app-scoped user (token erased, claim released), re-reading after a lost
 * race. Returns the integration as it now stands (undefined once it no longer belongs to that user) and
 * whether this call changed it.
 */
async function revokeFor(
  found: Integration,
  appScopedUserId: string,
  deps: { store: IntegrationStore; now: () => number },
): Promise<{ integration: Integration | undefined; changed: boolean }> {
  let current: Integration | undefined = found;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (current === undefined || current.appScopedUserId !== appScopedUserId) {
      return { integration: undefined, changed: false };
    }
    if (current.status === "revoked" && current.token === undefined)
      return { integration: current, changed: false };
    const next = withoutToken(current, "revoked", deps.now());
    const outcome = await deps.store.save(next, current.version, {
      releaseClaim: current.status !== "revoked",
    });
    if (outcome === "applied") return { integration: next, changed: true };
    current = await deps.store.get(current.imoId, current.userId);
  }
  throw new Error("Revoking lost the race too many times");
}

/**
 * Deauthorize callback: the person removed the app on Instagram. Every integration of that app-scoped user
 * (in any organisation) is revoked, its token erased and its claim released. Idempotent.
 */
export async function deauthorize(
  appScopedUserId: string,
  deps: { store: IntegrationStore; now: () => number },
): Promise<{ revoked: number }> {
  let revoked = 0;
  for (const found of await deps.store.findByAppUser(appScopedUserId)) {
    if ((await revokeFor(found, appScopedUserId, deps)).changed) revoked++;
  }
  return { revoked };
}

/** A confirmation code Meta shows the person: 16 upper-case letters and digits (about 80 bits). */
export function newConfirmationCode(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  return [...randomBytes(16)].map((byte) => alphabet[byte % alphabet.length]).join("");
}

/**
 * Data deletion callback: erases every integration of the app-scoped user (token included), and each
 * organisation's conversations and messages with that account. The status record keeps no personal data.
 *
 * Per integration, in an order that a retry can resume: revoke first (no more routing, sending or token),
 * then erase the conversations, then delete the integration itself, which is what a retry finds it by.
 */
export async function eraseUserData(
  appScopedUserId: string,
  deps: { store: IntegrationStore; deletions: DataDeletionStore; now: () => number; code?: () => string },
): Promise<DataDeletionRecord> {
  const code = (deps.code ?? newConfirmationCode)();
  const requestedAt = deps.now();
  await deps.deletions.put({ code, status: "pending", requestedAt });
  const erased = { integrations: 0, conversations: 0, messages: 0 };
  for (const found of await deps.store.findByAppUser(appScopedUserId)) {
    const { integration } = await revokeFor(found, appScopedUserId, deps);
    if (integration === undefined) continue;
    const data = await deps.deletions.eraseAccountData(integration.imoId, integration.igAccountId);
    erased.conversations += data.conversations;
    erased.messages += data.messages;
    let current: Integration | undefined = integration;
    for (let attempt = 0; attempt < MAX_ATTEMPTS && current?.appScopedUserId === appScopedUserId; attempt++) {
      if ((await deps.store.remove(current)) === "applied") {
        erased.integrations++;
        break;
      }
      current = await deps.store.get(current.imoId, current.userId);
    }
  }
  const record: DataDeletionRecord = {
    code,
    status: "completed",
    requestedAt,
    completedAt: deps.now(),
    erased,
  };
  await deps.deletions.put(record);
  return record;
}
