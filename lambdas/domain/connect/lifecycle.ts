import { flavourOf, type Integration } from "../integration";
import type { Tenant } from "../tenant";
import { openToken, type TokenKeys } from "../token-seal";
import { withoutToken } from "./connect-rules";
import type { FacebookLogin } from "./facebook-ports";
import type { InstagramLogin, IntegrationStore } from "./ports";

/** How often a lifecycle change is retried after a concurrent write wins. */
const MAX_ATTEMPTS = 5;

/** What `GET /instagram/integration` shows: never a token. Times are epoch ms here, ISO on the wire. */
export interface IntegrationSummary {
  /** `restricted` is a connected integration whose account Meta currently refuses to send for. */
  readonly status: Integration["status"] | "restricted";
  readonly username: string;
  readonly name?: string;
  readonly accountType?: Integration["accountType"];
  readonly loginFlavour: NonNullable<Integration["loginFlavour"]>;
  readonly page?: Integration["page"];
  readonly profilePictureUrl?: string;
  readonly igAccountId: string;
  readonly connectedAt: number;
  readonly tokenExpiresAt?: number;
  /**
   * How many other organisations have this account connected (they receive its DMs too). Only a count:
   * never which organisations. Absent when not looked up.
   */
  readonly otherOrganisations?: number;
  readonly restriction?: Integration["restriction"];
}

export function summarise(integration: Integration): IntegrationSummary {
  const restricted = integration.status === "connected" && integration.restriction !== undefined;
  return {
    status: restricted ? "restricted" : integration.status,
    ...(restricted ? { restriction: integration.restriction } : {}),
    username: integration.username,
    ...(integration.name === undefined ? {} : { name: integration.name }),
    ...(integration.accountType === undefined ? {} : { accountType: integration.accountType }),
    loginFlavour: flavourOf(integration),
    ...(integration.page === undefined ? {} : { page: integration.page }),
    ...(integration.profilePictureUrl === undefined
      ? {}
      : { profilePictureUrl: integration.profilePictureUrl }),
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
  if (integration === undefined) return undefined;
  return { ...summarise(integration), otherOrganisations: await otherOrganisations(store, integration) };
}

/** Organisations other than the integration's own where the same account is connected (webhooks reach them). */
export async function otherOrganisations(store: IntegrationStore, integration: Integration): Promise<number> {
  const sharing = await store.findByAccount(integration.igAccountId);
  const orgs = new Set(
    sharing
      .filter((other) => other.status !== "revoked" && other.imoId !== integration.imoId)
      .map((other) => other.imoId),
  );
  return orgs.size;
}

/** Outcome of a disconnect; `unsubscribe` and `profile` report the best-effort calls to Meta. */
export interface DisconnectResult {
  readonly disconnected: boolean;
  readonly unsubscribe: "done" | "skipped" | { readonly failed: unknown };
  /** Ice breakers and persistent menu removed at Meta (`failed` names the first property Meta refused). */
  readonly profile?: "done" | "skipped" | { readonly failed: string };
  /** Stored attachment ids of the account removed. */
  readonly attachments?: number;
}

/**
 * What a disconnect also cleans up, both optional: the account's ice breakers and persistent menu at Meta
 * (messenger_profile with the integration's still-valid token: Meta keeps them after the app is gone, R24, and
 * their taps would reach nobody), and the account's stored attachment ids.
 */
export interface DisconnectCleanup {
  readonly profile?: {
    clear(
      integration: Integration,
      field: "ice_breakers" | "persistent_menu",
    ): Promise<{ ok: true } | { ok: false; kind: string }>;
  };
  readonly attachments?: { removeAll(imoId: string, igAccountId: string): Promise<number> };
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
    facebook?: FacebookLogin;
    keys: TokenKeys;
    now: () => number;
    onSecret: (value: string) => void;
  } & DisconnectCleanup,
): Promise<DisconnectResult> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await deps.store.get(tenant.imoId, tenant.userId);
    if (current === undefined) return { disconnected: false, unsubscribe: "skipped" };
    if (current.status === "revoked") {
      // A repeated disconnect finishes what a failed one left: the attachment ids are ours to remove.
      return { disconnected: false, unsubscribe: "skipped", ...(await removeAttachments(current, deps)) };
    }
    const outcome = await deps.store.save(withoutToken(current, "revoked", deps.now()), current.version, {
      releaseClaim: true,
    });
    if (outcome === "conflict") continue;
    const removed = await removeAttachments(current, deps);
    // The profile goes first: the unsubscribe may be the last call the token is good for.
    const profile = await clearProfileIfUnused(current, deps);
    return { disconnected: true, unsubscribe: await unsubscribeIfUnused(current, deps), profile, ...removed };
  }
  throw new Error("Disconnect lost the race too many times");
}

async function removeAttachments(
  integration: Integration,
  deps: DisconnectCleanup,
): Promise<{ attachments?: number }> {
  if (deps.attachments === undefined) return {};
  return { attachments: await deps.attachments.removeAll(integration.imoId, integration.igAccountId) };
}

/**
 * Removes ice breakers and the persistent menu at Meta (best effort, never failing the disconnect) unless another
 * live integration still holds the account: the profile is the account's, whoever set it.
 */
async function clearProfileIfUnused(
  removed: Integration,
  deps: { store: IntegrationStore } & DisconnectCleanup,
): Promise<NonNullable<DisconnectResult["profile"]>> {
  if (deps.profile === undefined || removed.token === undefined) return "skipped";
  const others = await deps.store.findByAccount(removed.igAccountId);
  const stillUsed = others.some(
    (other) =>
      other.status !== "revoked" && !(other.imoId === removed.imoId && other.userId === removed.userId),
  );
  if (stillUsed) return "skipped";
  for (const field of ["ice_breakers", "persistent_menu"] as const) {
    try {
      const result = await deps.profile.clear(removed, field);
      if (!result.ok) return { failed: `${field}: ${result.kind}` };
    } catch {
      return { failed: field };
    }
  }
  return "done";
}

/**
 * Unsubscribes a removed integration at Meta (best effort) unless another live integration of the same flavour
 * holds it: Instagram Login subscribes the account through the Instagram app, Facebook Login the Page through the
 * Facebook app; each subscription is the other app's business.
 */
export async function unsubscribeIfUnused(
  removed: Integration,
  deps: {
    store: IntegrationStore;
    login: InstagramLogin;
    facebook?: FacebookLogin;
    keys: TokenKeys;
    onSecret: (value: string) => void;
  },
): Promise<DisconnectResult["unsubscribe"]> {
  if (removed.token === undefined) return "skipped";
  const flavour = flavourOf(removed);
  const others = await deps.store.findByAccount(removed.igAccountId);
  const stillUsed = others.some(
    (other) =>
      other.status !== "revoked" &&
      flavourOf(other) === flavour &&
      other.page?.id === removed.page?.id &&
      !(other.imoId === removed.imoId && other.userId === removed.userId),
  );
  if (stillUsed) return "skipped";
  const facebook = deps.facebook;
  if (flavour === "facebook" && (facebook === undefined || removed.page === undefined)) return "skipped";
  try {
    const token = openToken(removed.token, deps.keys, removed);
    deps.onSecret(token);
    if (flavour === "facebook" && facebook !== undefined && removed.page !== undefined) {
      await facebook.unsubscribePage(removed.page.id, token);
    } else {
      await deps.login.unsubscribe(removed.igAccountId, token);
    }
    return "done";
  } catch (error) {
    return { failed: error };
  }
}
