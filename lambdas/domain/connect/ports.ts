import type { LoginFlavour } from "../../contract/vocabulary";
import type { Integration, SealedToken } from "../integration";
import type { FacebookTicketFields } from "./facebook-ports";

/**
 * The narrow interfaces the connect flow depends on. Adapters implement them over DynamoDB and Meta's
 * Instagram Login endpoints; unit tests pass in-memory fakes.
 */

/** A single-use OAuth state as stored between `oauth/init` and the callback. */
export interface OAuthStateRecord {
  readonly state: string;
  readonly userId: string;
  readonly imoId: string;
  /** Validated against the allow-list when stored; absent when the app gave none. */
  readonly returnTo?: string;
  /** Absent: `instagram` (states stored before the Facebook flavour). */
  readonly loginFlavour?: LoginFlavour;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface OAuthStateStore {
  put(record: OAuthStateRecord): Promise<void>;
  /** Removes and returns the record in one step, so a state can be used only once; undefined if unknown. */
  consume(state: string): Promise<OAuthStateRecord | undefined>;
}

/** Which (organisation, Instagram account) pair belongs to which app user: uniqueness rule 2. */
export interface AccountClaim {
  readonly imoId: string;
  readonly igAccountId: string;
  readonly userId: string;
  readonly version: number;
}

/**
 * Everything one connect writes, applied atomically or not at all. Each part carries the version it was
 * planned against, so a concurrent change makes the whole plan fail with "conflict" and it is re-planned.
 */
export interface ConnectPlan {
  readonly integration: Integration;
  /** The version of the caller's integration the plan was made from; undefined: there must be none. */
  readonly expectedVersion: number | undefined;
  readonly claim: { readonly version: number; readonly expectedVersion: number | undefined };
  /** The claim of the caller's previous account, released when the caller switches accounts. */
  readonly releaseClaimOf?: string;
  /** Another user's integration of the same account in the same organisation, revoked by the takeover. */
  readonly displaced?: { readonly integration: Integration; readonly expectedVersion: number };
}

export type WriteOutcome = "applied" | "conflict";

export interface Page<T> {
  readonly items: readonly T[];
  readonly cursor?: string;
}

export interface IntegrationStore {
  get(imoId: string, userId: string): Promise<Integration | undefined>;
  getClaim(imoId: string, igAccountId: string): Promise<AccountClaim | undefined>;
  applyConnect(plan: ConnectPlan): Promise<WriteOutcome>;
  /**
   * Replaces an integration if it still has `expectedVersion`. With `releaseClaim`, also removes the
   * claim of its account (when this user holds it), in the same transaction.
   */
  save(
    next: Integration,
    expectedVersion: number,
    options?: { releaseClaim?: boolean },
  ): Promise<WriteOutcome>;
  /** Deletes an integration (if still at its version) and the claim of its account held by its user. */
  remove(current: Integration): Promise<WriteOutcome>;
  findByAppUser(appScopedUserId: string): Promise<readonly Integration[]>;
  findByAccount(igAccountId: string): Promise<readonly Integration[]>;
  /** Integrations holding a token that expires before `threshold` (epoch ms), soonest first, in pages. */
  expiringBefore(threshold: number, cursor?: string): Promise<Page<Integration>>;
}

/** What an erasure job removed so far; counts only, never personal data. */
export interface ErasureCounts {
  readonly integrations: number;
  readonly conversations: number;
  readonly messages: number;
  /** Pending edits/reactions, sent-mid pointers, idempotency records, limiter state, person links. */
  readonly other: number;
}

/** A status record of one data deletion request, looked up by its confirmation code. */
export interface DataDeletionRecord {
  readonly code: string;
  readonly status: "pending" | "completed";
  readonly requestedAt: number;
  readonly completedAt?: number;
  /** What the job erased so far (complete once `status` is `completed`). */
  readonly erased?: ErasureCounts;
}

/** The status record doubles as the job's state: created once per code, leased by one worker at a time. */
export interface DataDeletionStore {
  get(code: string): Promise<DataDeletionRecord | undefined>;
  /** Creates the pending record unless the code exists; answers whether its job was already queued. */
  open(
    code: string,
    requestedAt: number,
  ): Promise<{
    readonly created: boolean;
    readonly queued: boolean;
    readonly status: DataDeletionRecord["status"];
  }>;
  markQueued(code: string): Promise<void>;
  /** Takes the job's lease until `until` if it is pending and nobody holds a live lease; false otherwise. */
  takeLease(code: string, leaseId: string, now: number, until: number): Promise<boolean>;
  releaseLease(code: string, leaseId: string): Promise<void>;
  addCounts(code: string, counts: ErasureCounts): Promise<void>;
  complete(code: string, completedAt: number): Promise<void>;
}

/** A person id's link to an (organisation, account) it was connected to, with every id the person is known by. */
export interface PersonLink {
  readonly personIds: readonly string[];
  readonly imoId: string;
  readonly igAccountId: string;
  /**
   * `facebook`: a Facebook user's link to a Page's account. It reaches only that organisation's data of the account,
   * not the account everywhere: a Page admin is not the account (Instagram Login signs in as the account).
   */
  readonly loginFlavour?: "facebook";
}

/** The stored data of a person, erased in bounded steps that a later call resumes (deleted items stay gone). */
export interface ErasureStore {
  linksOf(personId: string): Promise<readonly PersonLink[]>;
  /**
   * Erases an organisation's conversations, messages (with their sent-mid pointers and idempotency records) and
   * pending edits/reactions of one account, page by page until done or `stop()` says the time is up.
   */
  eraseAccountData(
    imoId: string,
    igAccountId: string,
    stop: () => boolean,
  ): Promise<{ readonly counts: ErasureCounts; readonly done: boolean }>;
  /** Erases what is kept per account in every organisation (the send limiter). */
  eraseAccountState(igAccountId: string): Promise<number>;
  /** Deletes every link item of these links (one per person id). */
  removeLinks(links: readonly PersonLink[]): Promise<number>;
}

/** The erasure queue: a job names the request's code and the ids the person was named by. */
export interface ErasureJob {
  readonly code: string;
  readonly personIds: readonly string[];
}

export interface ErasureQueue {
  enqueue(job: ErasureJob): Promise<void>;
}

/** Tokens and ids from Meta's token exchange (`api.instagram.com/oauth/access_token`). */
export interface ShortLivedToken {
  readonly accessToken: string;
  /** The app-scoped user id, digits intact; absent if Meta omitted it. */
  readonly appScopedUserId?: string;
  readonly permissions: readonly string[];
}

/** A long-lived (about 60 days) token, from the exchange or a refresh. */
export interface LongLivedToken {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
}

/** The connected account as `/me` describes it (valid Instagram Login fields only). */
export interface InstagramProfile {
  readonly appScopedUserId: string;
  readonly igAccountId: string;
  readonly username: string;
  readonly name?: string;
  /** As Meta sent it: `BUSINESS` or `MEDIA_CREATOR` for professional accounts. */
  readonly accountType?: string;
  /** The account's avatar (an expiring Instagram CDN link), when Meta answered it; see `profile` in the adapter. */
  readonly profilePictureUrl?: string;
}

/** Meta's Instagram Login endpoints; every method throws MetaCallError on a Meta failure. */
export interface InstagramLogin {
  exchangeCode(code: string, redirectUri: string): Promise<ShortLivedToken>;
  exchangeLongLived(shortLivedToken: string): Promise<LongLivedToken>;
  refresh(longLivedToken: string): Promise<LongLivedToken>;
  profile(accessToken: string): Promise<InstagramProfile>;
  subscribe(igAccountId: string, accessToken: string): Promise<void>;
  unsubscribe(igAccountId: string, accessToken: string): Promise<void>;
}

/** Meta refused or failed a call. Carries Meta's code and trace id for the log, never a token. */
export class MetaCallError extends Error {
  readonly code: number | undefined;
  readonly subcode: number | undefined;
  readonly fbtraceId: string | undefined;
  /** The token was rejected (code 190): the integration needs the user to reconnect. */
  readonly tokenRejected: boolean;
  readonly transient: boolean;

  constructor(
    message: string,
    details: {
      code?: number;
      subcode?: number;
      fbtraceId?: string;
      tokenRejected?: boolean;
      transient?: boolean;
    } = {},
  ) {
    super(message);
    this.name = "MetaCallError";
    this.code = details.code;
    this.subcode = details.subcode;
    this.fbtraceId = details.fbtraceId;
    this.tokenRejected = details.tokenRejected ?? details.code === 190;
    this.transient = details.transient ?? false;
  }
}

/** What every completion ticket holds: the tenant that started the flow and the ticket's lifetime. */
interface TicketBase {
  readonly userId: string;
  readonly imoId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/**
 * What the OAuth callback hands over to `POST /instagram/oauth/complete`: everything needed to finish the
 * connect for the tenant that started it. The token is sealed; the ticket itself is stored only as a hash.
 */
export interface InstagramTicketRecord extends TicketBase {
  readonly loginFlavour?: "instagram";
  readonly profile: {
    readonly igAccountId: string;
    readonly appScopedUserId: string;
    /** The token exchange's `user_id`, when Meta sent one (deauthorize/data deletion may carry it). */
    readonly tokenUserId?: string;
    readonly username: string;
    readonly name?: string;
    readonly accountType: "BUSINESS" | "MEDIA_CREATOR";
    readonly profilePictureUrl?: string;
  };
  readonly token: SealedToken;
  /** Epoch ms. */
  readonly tokenIssuedAt: number;
  readonly tokenExpiresAt: number;
}

/** A Facebook Login ticket: the Pages (with linked accounts) the person may connect; one is chosen at completion. */
export interface FacebookTicketRecord extends TicketBase, FacebookTicketFields {}

export type ConnectTicketRecord = InstagramTicketRecord | FacebookTicketRecord;

/** Why a ticket was not redeemed: only `expired` is ever told to the caller apart from the rest. */
export type TicketRefusal = "unknown_or_used" | "other_tenant";

export type TicketRedemption =
  | { readonly kind: "redeemed"; readonly record: ConnectTicketRecord }
  | { readonly kind: "refused"; readonly why: TicketRefusal };

export interface ConnectTicketStore {
  /** Stores a ticket under its hash; never overwrites. */
  put(ticketHash: string, record: ConnectTicketRecord): Promise<void>;
  /**
   * Removes and returns the ticket in one conditional step, only if it belongs to this tenant: a ticket is
   * redeemed at most once, and another tenant's attempt leaves it in place.
   */
  redeem(
    ticketHash: string,
    tenant: { readonly imoId: string; readonly userId: string },
  ): Promise<TicketRedemption>;
  /** Reads the ticket for this tenant without spending it (a Facebook ticket waits for the Page choice). */
  peek(
    ticketHash: string,
    tenant: { readonly imoId: string; readonly userId: string },
  ): Promise<TicketRedemption>;
}
