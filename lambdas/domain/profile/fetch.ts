import { metaTargetOf } from "../integration";
import { SLOW_DOWN_AT_PERCENT } from "../meta-errors";
import type { ProfileAccess, ProfileJob, ProfileStore, ThrottleState, UserProfileApi } from "./ports";
import { type ProfileState, pictureExpiry, profileDue } from "./profile";

export interface ProfileFetchDeps {
  readonly store: ProfileStore;
  readonly access: ProfileAccess;
  readonly meta: UserProfileApi;
  readonly throttles: ThrottleState;
  readonly now: () => number;
}

/** What to do with a job's queue record. */
export type ProfileOutcome =
  /** Delete the record: stored, refused (marked unavailable), not needed any more, or nobody can read it. */
  | {
      readonly kind: "done";
      readonly result: ProfileResult;
      /** Meta's usage headers said the account is near its limit: its other jobs in this batch wait. */
      readonly nearLimit?: true;
    }
  /** Keep the record and receive it again after `afterMs` (Meta throttled or slow). */
  | { readonly kind: "retry"; readonly afterMs: number; readonly result: string };

export type ProfileResult =
  | "stored"
  | "unavailable"
  | "fresh"
  | "no_conversation"
  | "no_integration"
  | "token_invalid";

/** The least a throttled or failed job waits before it is received again. */
export const PROFILE_RETRY_MIN_MS = 60_000;
/** A transient failure waits PROFILE_RETRY_MIN_MS · 2^(receive − 1), at most this. */
export const PROFILE_RETRY_MAX_MS = 60 * 60_000;
/**
 * Usage at or above SLOW_DOWN_AT_PERCENT: the account's other profile reads in the batch wait this long, leaving
 * what is left of the budget to replies (the sender's own pause is only ever set by a real throttle).
 */
export const PROFILE_YIELD_MS = 5 * 60_000;

const done = (result: ProfileResult): ProfileOutcome => ({ kind: "done", result });

/** Backoff of the n-th receive of a job that failed transiently. */
export function profileBackoffMs(receiveCount: number): number {
  return Math.min(PROFILE_RETRY_MAX_MS, PROFILE_RETRY_MIN_MS * 2 ** Math.max(0, receiveCount - 1));
}

/**
 * One profile job: skip it when no longer needed, wait while Meta throttles the account, read the profile with
 * the account's token and store it on the conversation; a refusal marks the profile unavailable (the
 * conversation is untouched otherwise). Throttles are shared with the sender: a throttled read pauses the
 * account's sends too, since Meta counts both against the same budget.
 */
export async function fetchProfile(
  job: ProfileJob,
  receiveCount: number,
  deps: ProfileFetchDeps,
): Promise<ProfileOutcome> {
  const current = await deps.store.current(job);
  if (current === undefined) return done("no_conversation");
  const now = deps.now();
  if (!profileDue(current.state, now)) {
    await deps.store.release(job);
    return done("fresh");
  }
  const pausedUntil = await deps.throttles.pausedUntil(job.igAccountId);
  if (pausedUntil !== undefined && pausedUntil > now) {
    return { kind: "retry", afterMs: Math.max(pausedUntil - now, PROFILE_RETRY_MIN_MS), result: "paused" };
  }
  const integration = await deps.access.integrationFor(job.imoId, job.igAccountId);
  if (integration?.token === undefined || integration.status !== "connected") {
    // Reconnecting is the user's move; the next message after it requests the profile again.
    await deps.store.release(job);
    return done("no_integration");
  }
  let accessToken: string;
  try {
    accessToken = deps.access.accessToken(integration);
  } catch {
    await deps.store.release(job);
    return done("token_invalid");
  }
  const answer = await deps.meta.fetch({ igsid: job.igsid, accessToken, target: metaTargetOf(integration) });
  if (answer.ok) {
    const pictureExpiresAt = pictureExpiry(answer.profile.profilePictureUrl);
    const state: ProfileState = {
      status: "available",
      profile: answer.profile,
      fetchedAt: deps.now(),
      ...(pictureExpiresAt === undefined ? {} : { pictureExpiresAt }),
    };
    const stored = await deps.store.save(job, state);
    const usage = answer.usage;
    const nearLimit = Math.max(usage?.accountPercent ?? 0, usage?.appPercent ?? 0) >= SLOW_DOWN_AT_PERCENT;
    return { ...done(stored ? "stored" : "no_conversation"), ...(nearLimit ? { nearLimit: true } : {}) };
  }
  switch (answer.kind) {
    case "rate_limited": {
      const wait = Math.max(answer.retryAfterMs ?? 0, PROFILE_RETRY_MIN_MS);
      await deps.throttles.pause(answer.scope === "app" ? "app" : job.igAccountId, deps.now() + wait);
      return { kind: "retry", afterMs: wait, result: "rate_limited" };
    }
    case "transient":
    case "sent_but_unconfirmed":
      return { kind: "retry", afterMs: profileBackoffMs(receiveCount), result: "transient" };
    case "token_invalid":
      // The sender marks the integration for re-authorisation when it meets the same token; nothing to store.
      await deps.store.release(job);
      return done("token_invalid");
    default: {
      // Blocked, no consent (230), user gone (100), permission: Meta will not show this profile now.
      const stored = await deps.store.save(job, {
        status: "unavailable",
        reason: "refused",
        fetchedAt: deps.now(),
      });
      return done(stored ? "unavailable" : "no_conversation");
    }
  }
}

/** One received job record. */
export interface ProfileRecord {
  readonly job: ProfileJob;
  readonly receiveCount: number;
}

/**
 * A batch in order. A job whose account is near Meta's limit (usage headers) makes the account's later jobs in
 * the batch wait PROFILE_YIELD_MS; an unexpected error (a dependency down) retries the job after a backoff.
 */
export async function fetchProfiles(
  records: readonly ProfileRecord[],
  deps: ProfileFetchDeps,
): Promise<ProfileOutcome[]> {
  const yielding = new Set<string>();
  const outcomes: ProfileOutcome[] = [];
  for (const { job, receiveCount } of records) {
    if (yielding.has(job.igAccountId)) {
      outcomes.push({ kind: "retry", afterMs: PROFILE_YIELD_MS, result: "near_limit" });
      continue;
    }
    const outcome = await fetchProfile(job, receiveCount, deps).catch(
      (): ProfileOutcome => ({ kind: "retry", afterMs: profileBackoffMs(receiveCount), result: "error" }),
    );
    if (outcome.kind === "done" && outcome.nearLimit) yielding.add(job.igAccountId);
    outcomes.push(outcome);
  }
  return outcomes;
}
