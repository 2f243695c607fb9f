import type { LoginFlavour } from "../contract/vocabulary";

/**
 * An app user's connection to one Instagram professional account (Instagram API with Instagram Login).
 * Uniqueness: one per (imoId, userId) and one per (imoId, igAccountId); see docs/data-model.md.
 */
export type IntegrationStatus = "connected" | "needs_reauth" | "revoked";

export type AccountType = "BUSINESS" | "MEDIA_CREATOR";

/** An access token sealed with AES-256-GCM; `keyId` names the key so keys can rotate. All fields base64url. */
export interface SealedToken {
  readonly keyId: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
  /**
   * 2: sealed bound to its integration (organisation, user, account, key id as AES-GCM additional data).
   * Absent: sealed before that (key id only); still opens, and is re-sealed bound at the next refresh.
   */
  readonly aad?: 2;
}

/** Why Meta refuses every send of the account: 10/1893063 (restricted) or 100/2534029 (business blocked). */
export type RestrictionReason = "account_restricted" | "business_blocked";

/** An account-wide stop Meta reported, and when we last saw it. */
export interface Restriction {
  readonly reason: RestrictionReason;
  /** Epoch ms of the first refusal of this spell. */
  readonly since: number;
  /** Epoch ms of the latest refusal (the latest probe). */
  readonly seenAt: number;
}

export interface Integration {
  readonly imoId: string;
  readonly userId: string;
  /** The professional account id (IGID, `1784…`): webhook `entry.id`, `/me.user_id`, the `<IG_ID>` of `/messages`. */
  readonly igAccountId: string;
  /** The app-scoped Instagram user id (`/me.id`, token exchange `user_id`): what deauthorize/data deletion carry. */
  readonly appScopedUserId: string;
  /**
   * The token exchange's `user_id` (`api.instagram.com/oauth/access_token`), kept in case it differs from `/me.id`:
   * Meta does not document which id a deauthorize/data deletion `signed_request` carries for Instagram Login.
   * Absent on integrations stored before it was kept.
   */
  readonly tokenUserId?: string;
  readonly username: string;
  readonly name?: string;
  /** Absent for the Facebook Login flavour: the Page's `instagram_business_account` does not report it. */
  readonly accountType?: AccountType;
  /** Absent: `instagram` (every integration stored before the Facebook flavour). */
  readonly loginFlavour?: LoginFlavour;
  /** Facebook flavour: the Page linked to the account; the token is that Page's access token. */
  readonly page?: { readonly id: string; readonly name: string };
  /** Facebook flavour: the app-scoped Facebook user id (what the Facebook app's signed_requests carry). */
  readonly facebookUserId?: string;
  /** The account's avatar as Meta last answered it at connect: an Instagram CDN link that expires (`oe=`). */
  readonly profilePictureUrl?: string;
  readonly status: IntegrationStatus;
  /** Absent once revoked or erased. */
  readonly token?: SealedToken;
  /** Epoch ms. */
  readonly tokenIssuedAt?: number;
  readonly tokenExpiresAt?: number;
  readonly connectedAt: number;
  /** Meta refuses every send of the account for now; cleared by a successful send or a reconnect. */
  readonly restriction?: Restriction;
  readonly updatedAt: number;
  /** Optimistic-concurrency counter for conditional writes. */
  readonly version: number;
}

/** The flavour an integration was connected with (stored only for Facebook Login). */
export function flavourOf(integration: Pick<Integration, "loginFlavour">): LoginFlavour {
  return integration.loginFlavour ?? "instagram";
}

/**
 * Where Meta calls for an integration go: which Graph host (by login flavour) and the node in the path —
 * the Instagram account on graph.instagram.com, the Page on graph.facebook.com. The token is the integration's
 * own (an Instagram user token or the Page token). Calls `/<nodeId>/messages`, `/<nodeId>/conversations`, …
 */
export interface MetaTarget {
  readonly host: LoginFlavour;
  readonly nodeId: string;
}

export function metaTargetOf(
  integration: Pick<Integration, "loginFlavour" | "page" | "igAccountId">,
): MetaTarget {
  return integration.loginFlavour === "facebook" && integration.page !== undefined
    ? { host: "facebook", nodeId: integration.page.id }
    : { host: "instagram", nodeId: integration.igAccountId };
}
