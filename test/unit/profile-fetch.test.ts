import { describe, expect, it } from "vitest";
import { profileFromGraph } from "../../lambdas/adapters/meta/user-profile";
import type { Integration } from "../../lambdas/domain/integration";
import {
  fetchProfile,
  fetchProfiles,
  PROFILE_RETRY_MIN_MS,
  PROFILE_YIELD_MS,
  type ProfileFetchDeps,
} from "../../lambdas/domain/profile/fetch";
import type { ProfileJob, UserProfileResult } from "../../lambdas/domain/profile/ports";
import {
  PROFILE_MAX_AGE_MS,
  type ProfileState,
  pictureExpiry,
  profileDue,
  searchKeys,
  UNAVAILABLE_RETRY_MS,
} from "../../lambdas/domain/profile/profile";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const job: ProfileJob = { imoId: "org-1", igAccountId: "17841400000000001", igsid: "3416870925138842" };
const integration = {
  imoId: "org-1",
  userId: "u-1",
  igAccountId: job.igAccountId,
  status: "connected",
  token: { keyId: "k", iv: "i", ciphertext: "c", tag: "t" },
} as Integration;

/** In-memory ports; `answers` are Meta's replies in order. */
function fakes(answers: UserProfileResult[], state?: ProfileState, paused?: number) {
  const saved: ProfileState[] = [];
  const pauses: { id: string; until: number }[] = [];
  let released = 0;
  let calls = 0;
  const deps: ProfileFetchDeps = {
    store: {
      requestIfDue: async () => true,
      mayBeDue: async () => true,
      current: async () => (state === undefined ? {} : { state }),
      save: async (_job, s) => {
        saved.push(s);
        return true;
      },
      release: async () => {
        released += 1;
      },
    },
    access: { integrationFor: async () => integration, accessToken: () => "IGAA-token" },
    meta: {
      fetch: async () => {
        calls += 1;
        return answers.shift() ?? { ok: false, kind: "unknown" };
      },
    },
    throttles: {
      pausedUntil: async () => paused,
      pause: async (id, until) => {
        pauses.push({ id, until });
      },
    },
    now: () => NOW,
  };
  return { deps, saved, pauses, released: () => released, calls: () => calls };
}

describe("when a profile is due", () => {
  it("never fetched, older than 7 days, picture expiring, or refused more than a day ago", () => {
    expect(profileDue(undefined, NOW)).toBe(true);
    const fresh: ProfileState = {
      status: "available",
      fetchedAt: NOW - 1000,
      pictureExpiresAt: NOW + 86_400_000,
    };
    expect(profileDue(fresh, NOW)).toBe(false);
    expect(profileDue({ ...fresh, fetchedAt: NOW - PROFILE_MAX_AGE_MS }, NOW)).toBe(true);
    expect(profileDue({ ...fresh, pictureExpiresAt: NOW + 60_000 }, NOW)).toBe(true);
    const refused: ProfileState = { status: "unavailable", reason: "refused", fetchedAt: NOW - 1000 };
    expect(profileDue(refused, NOW)).toBe(false);
    expect(profileDue({ ...refused, fetchedAt: NOW - UNAVAILABLE_RETRY_MS }, NOW)).toBe(true);
  });

  it("reads a CDN link's expiry from its oe= (hex seconds), never guessing", () => {
    expect(pictureExpiry("https://scontent.cdninstagram.com/v/x.jpg?oe=6823A1F0&_nc=1")).toBe(
      0x6823a1f0 * 1000,
    );
    expect(pictureExpiry("https://scontent.cdninstagram.com/v/x.jpg")).toBeUndefined();
    expect(pictureExpiry("https://x.test/p.jpg?oe=zz")).toBeUndefined();
    expect(pictureExpiry("not a url")).toBeUndefined();
    expect(pictureExpiry(undefined)).toBeUndefined();
  });

  it("search keys are trimmed and lowercased; blank ones are left out", () => {
    expect(searchKeys({ name: "  Lucía FERNÁNDEZ ", username: "Lucia.FZ" })).toEqual({
      name: "lucía fernández",
      username: "lucia.fz",
    });
    expect(searchKeys({ name: " " })).toEqual({});
  });
});

describe("Meta's answer as a profile", () => {
  it("maps every documented field and leaves out nulls and wrong types", () => {
    expect(
      profileFromGraph({
        name: null,
        username: "lucia.fz",
        profile_pic: null,
        follower_count: 12,
        is_user_follow_business: true,
        is_business_follow_user: false,
        is_verified_user: "yes",
        id: "3416870925138842",
      }),
    ).toEqual({ username: "lucia.fz", followerCount: 12, followsBusiness: true, businessFollows: false });
  });
});

describe("one profile job", () => {
  it("stores the profile with the picture's expiry", async () => {
    const url = "https://scontent.cdninstagram.com/v/x.jpg?oe=6A000000";
    const f = fakes([{ ok: true, profile: { username: "a", profilePictureUrl: url } }]);
    expect(await fetchProfile(job, 1, f.deps)).toEqual({ kind: "done", result: "stored" });
    expect(f.saved).toEqual([
      {
        status: "available",
        profile: { username: "a", profilePictureUrl: url },
        fetchedAt: NOW,
        pictureExpiresAt: 0x6a000000 * 1000,
      },
    ]);
  });

  it("a refusal (blocked: 100; no consent: 230 → permission) marks the profile unavailable", async () => {
    for (const kind of ["invalid_request", "permission_missing", "recipient_unavailable"] as const) {
      const f = fakes([{ ok: false, kind }]);
      expect(await fetchProfile(job, 1, f.deps)).toEqual({ kind: "done", result: "unavailable" });
      expect(f.saved).toEqual([{ status: "unavailable", reason: "refused", fetchedAt: NOW }]);
    }
  });

  it("a throttle waits Meta's time (at least a minute) and pauses the account, or the app on code 4", async () => {
    const account = fakes([{ ok: false, kind: "rate_limited", retryAfterMs: 5 * 60_000, scope: "account" }]);
    expect(await fetchProfile(job, 1, account.deps)).toEqual({
      kind: "retry",
      afterMs: 5 * 60_000,
      result: "rate_limited",
    });
    expect(account.pauses).toEqual([{ id: job.igAccountId, until: NOW + 5 * 60_000 }]);
    expect(account.saved).toEqual([]);
    const app = fakes([{ ok: false, kind: "rate_limited", scope: "app" }]);
    expect(await fetchProfile(job, 1, app.deps)).toMatchObject({
      kind: "retry",
      afterMs: PROFILE_RETRY_MIN_MS,
    });
    expect(app.pauses).toEqual([{ id: "app", until: NOW + PROFILE_RETRY_MIN_MS }]);
  });

  it("an account Meta already throttles is not called; the job waits the rest of the pause", async () => {
    const f = fakes([], undefined, NOW + 10 * 60_000);
    expect(await fetchProfile(job, 1, f.deps)).toEqual({
      kind: "retry",
      afterMs: 10 * 60_000,
      result: "paused",
    });
    expect(f.calls()).toBe(0);
  });

  it("slow or failing Meta backs off 1, 2, 4 … minutes; nothing is stored", async () => {
    for (const [receive, wait] of [
      [1, 60_000],
      [2, 120_000],
      [3, 240_000],
    ] as const) {
      const f = fakes([{ ok: false, kind: "transient" }]);
      expect(await fetchProfile(job, receive, f.deps)).toEqual({
        kind: "retry",
        afterMs: wait,
        result: "transient",
      });
      expect(f.saved).toEqual([]);
    }
  });

  it("a fresh profile, a rejected token or a missing integration end the job without calling Meta twice", async () => {
    const fresh = fakes([], { status: "available", fetchedAt: NOW - 1000 });
    expect(await fetchProfile(job, 1, fresh.deps)).toEqual({ kind: "done", result: "fresh" });
    expect(fresh.calls()).toBe(0);
    expect(fresh.released()).toBe(1);
    const token = fakes([{ ok: false, kind: "token_invalid" }]);
    expect(await fetchProfile(job, 1, token.deps)).toEqual({ kind: "done", result: "token_invalid" });
    expect(token.saved).toEqual([]);
    const none = fakes([]);
    none.deps.access.integrationFor = async () => undefined;
    expect(await fetchProfile(job, 1, none.deps)).toEqual({ kind: "done", result: "no_integration" });
    expect(none.calls()).toBe(0);
  });

  it("near Meta's limit (usage ≥ 90 %), the account's later jobs in the batch wait; other accounts do not", async () => {
    const f = fakes([
      { ok: true, profile: { username: "a" }, usage: { accountPercent: 95, regainAccessMs: 0 } },
      { ok: true, profile: { username: "c" } },
    ]);
    const other = { ...job, igAccountId: "17841400000000002" };
    const outcomes = await fetchProfiles(
      [
        { job, receiveCount: 1 },
        { job: { ...job, igsid: "2" }, receiveCount: 1 },
        { job: other, receiveCount: 1 },
      ],
      f.deps,
    );
    expect(outcomes.map((o) => o.kind)).toEqual(["done", "retry", "done"]);
    expect(outcomes[1]).toEqual({ kind: "retry", afterMs: PROFILE_YIELD_MS, result: "near_limit" });
    expect(f.calls()).toBe(2);
  });
});
