import type { Integration, MetaTarget } from "../integration";
import type { MetaErrorClass, UsageSignal } from "../meta-errors";
import type { CustomerProfile, ProfileState } from "./profile";

/** Whose profile to fetch: one customer of one account, within one organisation (the conversation's key). */
export interface ProfileJob {
  readonly imoId: string;
  readonly igAccountId: string;
  readonly igsid: string;
}

/** The profile fields of the conversation item and the conditional writes on them. */
export interface ProfileStore {
  /**
   * Marks the conversation's profile as requested at `now` if it is due (profile.ts `profileDue`) and no
   * request is younger than the guard: true when this caller should queue the job (one winner per burst).
   */
  requestIfDue(job: ProfileJob, now: number): Promise<boolean>;
  /**
   * Whether `requestIfDue` could win at `now`, from a cheap read (eventually consistent, no write): false only
   * when the stored conversation shows its profile is not due or a request is younger than the guard. A
   * conversation not stored (yet) may be due. Only a filter: the conditional claim still decides.
   */
  mayBeDue(job: ProfileJob, now: number): Promise<boolean>;
  /** The conversation's profile state; `undefined` when the conversation does not exist (erased, never stored). */
  current(job: ProfileJob): Promise<{ readonly state?: ProfileState } | undefined>;
  /** Stores the state on the conversation (only while it exists) and ends the request; false if it is gone. */
  save(job: ProfileJob, state: ProfileState): Promise<boolean>;
  /** Ends the request without a new state (the job gave up): the next message may request it again. */
  release(job: ProfileJob): Promise<void>;
}

/** The organisation's live integration of the account (its token reads the profile), if any. */
export interface ProfileAccess {
  integrationFor(imoId: string, igAccountId: string): Promise<Integration | undefined>;
  /** Opens the integration's sealed token; throws if it cannot. */
  accessToken(integration: Integration): string;
}

export type UserProfileResult =
  | { readonly ok: true; readonly profile: CustomerProfile; readonly usage?: UsageSignal }
  | {
      readonly ok: false;
      readonly kind: MetaErrorClass;
      /** Meta's `estimated_time_to_regain_access` on a throttle, in ms. */
      readonly retryAfterMs?: number;
      /** Code 4 is the app's own limit: every account waits. */
      readonly scope?: "app" | "account";
    };

/** Meta's User Profile API (`GET /<IGSID>?fields=…` with the account's token); failures classified, never thrown. */
export interface UserProfileApi {
  fetch(request: {
    readonly igsid: string;
    readonly accessToken: string;
    /** Where Meta is called (the Page's host for Facebook Login); absent: graph.instagram.com. */
    readonly target?: MetaTarget;
  }): Promise<UserProfileResult>;
}

/** Meta's throttles, shared with the sender (the same per-account Graph budget): read and extended here. */
export interface ThrottleState {
  /** Epoch ms until which Meta throttles the account (or the whole app), if it does. */
  pausedUntil(igAccountId: string): Promise<number | undefined>;
  pause(igAccountId: string | "app", until: number): Promise<void>;
}
