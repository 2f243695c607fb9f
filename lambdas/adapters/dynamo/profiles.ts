import { GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import type { ProfileAccess, ProfileJob, ProfileStore } from "../../domain/profile/ports";
import type { CustomerProfile, ProfileState } from "../../domain/profile/profile";
import {
  PICTURE_EXPIRY_MARGIN_MS,
  PROFILE_MAX_AGE_MS,
  profileDue,
  REQUEST_GUARD_MS,
  searchKeys,
  UNAVAILABLE_RETRY_MS,
} from "../../domain/profile/profile";
import type { DynamoAccess } from "./capacity";
import { updateIf } from "./conditional";
import { integrationFromItem } from "./integration-item";
import { Keys } from "./keys";
import { gsi1Partition, queryPages } from "./query";
import { allOf, UpdateBuilder } from "./update-expression";

/**
 * The profile attributes of the conversation item (docs/data-model.md), all prefixed `customer*` / `profile*`
 * so other writers of the item (webhook, history import) never touch them: the profile itself
 * (`customerProfile`), its state (`profileStatus`, `profileReason`, `profileFetchedAt`,
 * `profilePictureExpiresAt`), the lowercased search keys of `q=` (`profileSearchUsername`, `profileSearchName`)
 * and the dedup mark of a queued fetch (`profileRequestedAt`).
 */
export const ProfileAttributes = [
  "customerProfile",
  "profileStatus",
  "profileReason",
  "profileFetchedAt",
  "profilePictureExpiresAt",
  "profileSearchUsername",
  "profileSearchName",
  "profileRequestedAt",
] as const;

const epochMs = z.number().int().nonnegative();
const StoredProfile = z.object({
  name: z.string().optional(),
  username: z.string().optional(),
  profilePictureUrl: z.string().optional(),
  followerCount: z.number().int().nonnegative().optional(),
  isVerified: z.boolean().optional(),
  followsBusiness: z.boolean().optional(),
  businessFollows: z.boolean().optional(),
});
const StoredState = z.object({
  profileStatus: z.enum(["available", "unavailable"]),
  profileReason: z.enum(["refused", "no_access"]).optional(),
  profileFetchedAt: epochMs,
  profilePictureExpiresAt: epochMs.optional(),
  customerProfile: StoredProfile.optional(),
});

/** The profile state of a stored conversation item, or undefined when it has none (or an unreadable one). */
export function profileStateFromItem(item: Record<string, unknown>): ProfileState | undefined {
  const parsed = StoredState.safeParse(item);
  if (!parsed.success) return undefined;
  const s = parsed.data;
  const profile = s.customerProfile && (dropUndefined(s.customerProfile) as CustomerProfile);
  return {
    status: s.profileStatus,
    fetchedAt: s.profileFetchedAt,
    ...(profile === undefined ? {} : { profile }),
    ...(s.profileReason === undefined ? {} : { reason: s.profileReason }),
    ...(s.profilePictureExpiresAt === undefined ? {} : { pictureExpiresAt: s.profilePictureExpiresAt }),
  };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The conversation item's profile writes: one conditional UpdateItem each, never creating a conversation. */
export function dynamoProfileStore(access: DynamoAccess): ProfileStore {
  const { db, tableName } = access;
  const key = (job: ProfileJob) => Keys.conversation(job.imoId, job.igAccountId, job.igsid);
  return {
    async requestIfDue(job, now) {
      const b = new UpdateBuilder().set("profileRequestedAt", now);
      const [fetched, status, pic, requested] = [
        b.path("profileFetchedAt"),
        b.path("profileStatus"),
        b.path("profilePictureExpiresAt"),
        b.path("profileRequestedAt"),
      ];
      // profile.ts `profileDue`, as a condition: never fetched, refused long enough ago, too old, picture expiring.
      const due = [
        `attribute_not_exists(${fetched})`,
        `(${status} = ${b.value("unavailable")} AND ${fetched} <= ${b.value(now - UNAVAILABLE_RETRY_MS)})`,
        `(${status} = ${b.value("available")} AND (${fetched} <= ${b.value(now - PROFILE_MAX_AGE_MS)} OR ${pic} <= ${b.value(now + PICTURE_EXPIRY_MARGIN_MS)}))`,
      ].join(" OR ");
      const condition = allOf(
        `attribute_exists(${b.path("pk")})`,
        `attribute_not_exists(${requested}) OR ${requested} <= ${b.value(now - REQUEST_GUARD_MS)}`,
        due,
      );
      return updateIf(access, key(job), b, condition);
    },

    async mayBeDue(job, now) {
      // A Query of the one key rather than a GetItem: it runs while the conversation is written in a transaction,
      // and DynamoDB Local cancels a transaction that overlaps a GetItem of its item (AWS lets both succeed);
      // a Query is read-committed in both and conflicts with nothing. Same price: half a read unit.
      const k = key(job);
      const result = await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk AND sk = :sk",
          ExpressionAttributeValues: { ":pk": k.pk, ":sk": k.sk },
          // What `profileDue` and the guard read (the read costs the same; the answer is smaller).
          ProjectionExpression:
            "pk, profileStatus, profileFetchedAt, profilePictureExpiresAt, profileRequestedAt",
        }),
      );
      const item = result.Items?.[0];
      if (item === undefined) return true;
      const requestedAt = item.profileRequestedAt;
      if (typeof requestedAt === "number" && requestedAt > now - REQUEST_GUARD_MS) return false;
      return profileDue(profileStateFromItem(item), now);
    },

    async current(job) {
      const result = await db.send(
        new GetCommand({ TableName: tableName, Key: key(job), ConsistentRead: true }),
      );
      if (result.Item === undefined) return undefined;
      const state = profileStateFromItem(result.Item);
      return state === undefined ? {} : { state };
    },

    async save(job, state) {
      const b = new UpdateBuilder()
        .set("profileStatus", state.status)
        .set("profileFetchedAt", state.fetchedAt)
        .remove("profileRequestedAt");
      const search = state.profile === undefined ? {} : searchKeys(state.profile);
      if (state.profile !== undefined && Object.keys(state.profile).length > 0) {
        b.set("customerProfile", dropUndefined({ ...state.profile }));
      } else b.remove("customerProfile");
      if (state.reason === undefined) b.remove("profileReason");
      else b.set("profileReason", state.reason);
      if (state.pictureExpiresAt === undefined) b.remove("profilePictureExpiresAt");
      else b.set("profilePictureExpiresAt", state.pictureExpiresAt);
      if (search.username === undefined) b.remove("profileSearchUsername");
      else b.set("profileSearchUsername", search.username);
      if (search.name === undefined) b.remove("profileSearchName");
      else b.set("profileSearchName", search.name);
      const fetched = b.path("profileFetchedAt");
      // Only on a stored conversation (an erased one stays erased), and never over a newer read.
      const condition = allOf(
        `attribute_exists(${b.path("pk")})`,
        `attribute_not_exists(${fetched}) OR ${fetched} <= ${b.value(state.fetchedAt)}`,
      );
      return updateIf(access, key(job), b, condition);
    },

    async release(job) {
      const b = new UpdateBuilder().remove("profileRequestedAt");
      await updateIf(access, key(job), b, `attribute_exists(${b.path("pk")})`);
    },
  };
}

/** The organisation's integration of the account (gsi1 `ACCOUNT#<igAccountId>`), whatever its status. */
export function dynamoProfileAccess(
  access: DynamoAccess,
  accessToken: ProfileAccess["accessToken"],
): ProfileAccess {
  return {
    async integrationFor(imoId, igAccountId) {
      const found: ReturnType<typeof integrationFromItem>[] = [];
      const query = gsi1Partition(access.tableName, Keys.integrationsByAccount(igAccountId).gsi1pk);
      await queryPages(access.db, query, (items) => {
        for (const item of items) {
          if (item.entity !== "integration") continue;
          const integration = integrationFromItem(item);
          if (integration.imoId === imoId && integration.igAccountId === igAccountId) found.push(integration);
        }
      });
      // One per (organisation, account) by the claim; a connected one wins over a stale record.
      return found.find((i) => i.status === "connected") ?? found[0];
    },
    accessToken,
  };
}
