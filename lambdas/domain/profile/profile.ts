/**
 * A customer's Instagram profile as Meta's User Profile API shows it to the account (docs/app-api.md, "Customer
 * profiles"), stored on the conversation item. Rules for when it is fetched again live here, in one place.
 */
export interface CustomerProfile {
  readonly name?: string;
  readonly username?: string;
  /** Meta's CDN link (`profile_pic`); it expires (`oe=`), hence `pictureExpiresAt`. */
  readonly profilePictureUrl?: string;
  readonly followerCount?: number;
  readonly isVerified?: boolean;
  /** The customer follows the business (`is_user_follow_business`). */
  readonly followsBusiness?: boolean;
  /** The business follows the customer (`is_business_follow_user`). */
  readonly businessFollows?: boolean;
}

/** Why a profile is not shown: Meta refused it (blocked, no consent, user gone) or no token could read it. */
export type ProfileUnavailableReason = "refused" | "no_access";

/** What the conversation holds about its customer's profile. */
export interface ProfileState {
  /** `available`: `profile` is Meta's latest answer; `unavailable`: Meta refused the last read. */
  readonly status: "available" | "unavailable";
  readonly profile?: CustomerProfile;
  readonly reason?: ProfileUnavailableReason;
  /** Epoch ms of the read that produced this state. */
  readonly fetchedAt: number;
  /** Epoch ms the picture link stops working (from its `oe=`), when it says. */
  readonly pictureExpiresAt?: number;
}

/** A profile older than this is fetched again on the customer's next message. */
export const PROFILE_MAX_AGE_MS = 7 * 86_400_000;
/** A refused profile is asked for again after this long (on the next message): blocks and consent can change. */
export const UNAVAILABLE_RETRY_MS = 86_400_000;
/** A picture link expiring within this long counts as expired (it would break while on screen). */
export const PICTURE_EXPIRY_MARGIN_MS = 3_600_000;
/**
 * One fetch at a time per customer: a conversation whose fetch was requested less than this long ago gets no
 * new job (a burst of DMs makes one). Longer than a job's usual life; a lost job is requested again after it.
 */
export const REQUEST_GUARD_MS = 15 * 60_000;

/** Whether the profile should be (re)fetched at `now`: never fetched, too old, refused long enough ago, picture expired. */
export function profileDue(state: ProfileState | undefined, now: number): boolean {
  if (state === undefined) return true;
  if (state.status === "unavailable") return now - state.fetchedAt >= UNAVAILABLE_RETRY_MS;
  if (now - state.fetchedAt >= PROFILE_MAX_AGE_MS) return true;
  return state.pictureExpiresAt !== undefined && state.pictureExpiresAt - PICTURE_EXPIRY_MARGIN_MS <= now;
}

/**
 * When a Meta CDN link stops working: its `oe` query parameter, seconds since the epoch in hex (the same reading
 * as message attachments). Undefined when the link carries none or is not a URL: never guessed.
 */
export function pictureExpiry(url: string | undefined): number | undefined {
  if (url === undefined) return undefined;
  let oe: string | null;
  try {
    oe = new URL(url).searchParams.get("oe");
  } catch {
    return undefined;
  }
  if (oe === null || !/^[0-9a-fA-F]{1,12}$/.test(oe)) return undefined;
  return Number.parseInt(oe, 16) * 1000;
}

/** Lowercased search keys (the inbox's `q=` prefix search): the username, and the name. */
export function searchKeys(profile: CustomerProfile): { username?: string; name?: string } {
  const norm = (value: string | undefined) =>
    value === undefined || value.trim() === "" ? undefined : value.trim().toLocaleLowerCase("en-US");
  const username = norm(profile.username);
  const name = norm(profile.name);
  return { ...(username === undefined ? {} : { username }), ...(name === undefined ? {} : { name }) };
}
