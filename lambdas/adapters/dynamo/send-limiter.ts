import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import {
  EMPTY_LIMITER,
  type LimiterPolicy,
  type LimiterState,
  reserveSlot,
  type SlotRun,
} from "../../domain/outbound/limiter";
import type { SendLimiter } from "../../domain/outbound/ports";
import { type DynamoAccess, noteCapacity } from "./capacity";
import { ttlSeconds } from "./dates";
import { Keys } from "./keys";

/**
 * Runs as one compact string: the first time absolute, then deltas, base 36, `.count` when above one
 * (`"mhz1k2a0.200,2jy0i"`). A full hour at the cap stays around a kilobyte, so a reservation costs 1–2 WCU.
 */
export function encodeRuns(runs: readonly SlotRun[]): string {
  let previous = 0;
  return runs
    .map(([at, count]) => {
      const part = (at - previous).toString(36) + (count === 1 ? "" : `.${count.toString(36)}`);
      previous = at;
      return part;
    })
    .join(",");
}

export function decodeRuns(text: string): SlotRun[] {
  if (text === "") return [];
  let previous = 0;
  return text.split(",").map((part) => {
    const [delta = "0", count = "1"] = part.split(".");
    previous += Number.parseInt(delta, 36);
    return [previous, Number.parseInt(count, 36)] as const;
  });
}

interface Stored {
  readonly state: LimiterState;
  readonly version: number;
}

/** The limiter item as read (absent: an empty limiter at version 0). */
export function limiterFromItem(item: Record<string, unknown> | undefined): Stored {
  if (item === undefined) return { state: EMPTY_LIMITER, version: 0 };
  const pausedUntil = typeof item.pausedUntil === "number" ? item.pausedUntil : undefined;
  return {
    state: {
      runs: typeof item.runs === "string" ? decodeRuns(item.runs) : [],
      ...(pausedUntil === undefined ? {} : { pausedUntil }),
    },
    version: typeof item.version === "number" ? item.version : 0,
  };
}

/** The newer of two reads of one limiter (by version); a read without a version is no read. */
function newest(known: { state: LimiterState; version?: number } | undefined, seen: Stored | undefined) {
  const read = known?.version === undefined ? undefined : { state: known.state, version: known.version };
  if (read === undefined) return seen;
  return seen !== undefined && seen.version > read.version ? seen : read;
}

/** Tries before giving up on a contended reservation (each try re-reads; contention is between a few senders). */
const MAX_TRIES = 25;

/**
 * The per-account limiter item (`LIMITER#<igAccountId>`), updated by optimistic concurrency: read, compute the
 * slot with the pure algorithm, write back conditioned on the version read. Any number of senders at once.
 */
export function dynamoSendLimiter(
  access: DynamoAccess,
  policy: LimiterPolicy,
  pauseBetweenTries: (attempt: number) => Promise<void> = (attempt) =>
    new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt)),
): SendLimiter {
  const { db, tableName, meter } = access;

  async function read(igAccountId: string): Promise<Stored> {
    const result = await db.send(
      new GetCommand({
        TableName: tableName,
        Key: Keys.sendLimiter(igAccountId),
        ConsistentRead: true,
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    noteCapacity(meter, result.ConsumedCapacity, "read");
    return limiterFromItem(result.Item);
  }

  /** Writes the state if nobody wrote since `version`; on a lost race, the limiter as the winner left it. */
  async function write(igAccountId: string, state: LimiterState, version: number): Promise<true | Stored> {
    const last = state.runs[state.runs.length - 1]?.[0] ?? 0;
    const keepUntil = Math.max(last, state.pausedUntil ?? 0) + policy.windowMs + policy.graceMs;
    try {
      const result = await db.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...Keys.sendLimiter(igAccountId),
            entity: "sendLimiter",
            igAccountId,
            runs: encodeRuns(state.runs),
            ...(state.pausedUntil === undefined ? {} : { pausedUntil: state.pausedUntil }),
            version: version + 1,
            // Idle limiters disappear (TTL) once no slot they hold can constrain a new one.
            expiresAt: ttlSeconds(keepUntil) + 3600,
          },
          ConditionExpression: version === 0 ? "attribute_not_exists(pk)" : "version = :version",
          ...(version === 0 ? {} : { ExpressionAttributeValues: { ":version": version } }),
          // A lost race answers with the winner's item: the next try needs no read of its own.
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      noteCapacity(meter, result.ConsumedCapacity, "write");
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        return limiterFromItem(error.Item === undefined ? undefined : unmarshall(error.Item));
      throw error;
    }
  }

  /** The last limiter state this container wrote or saw lose a race, per account (a hint: writes still decide). */
  const seen = new Map<string, Stored>();
  const queues = new Map<string, Promise<void>>();

  async function reserveFrom(
    igAccountId: string,
    now: number,
    notBefore: number,
    known: Stored | undefined,
  ): Promise<number> {
    let next = known;
    for (let attempt = 1; attempt <= MAX_TRIES; attempt += 1) {
      const stored = next ?? (await read(igAccountId));
      const { slot, state } = reserveSlot(stored.state, now, policy, notBefore);
      const written = await write(igAccountId, state, stored.version);
      if (written === true) {
        seen.set(igAccountId, { state, version: stored.version + 1 });
        return slot;
      }
      seen.set(igAccountId, written);
      next = written;
      await pauseBetweenTries(attempt);
    }
    throw new Error(`Send limiter for ${igAccountId} too contended; the record will be retried`);
  }

  return {
    async state(igAccountId) {
      return (await read(igAccountId)).state;
    },

    async reserve(igAccountId, now, notBefore = now, known) {
      // One reservation per account at a time in this container, from the newest state it has seen: the records
      // of one batch (run concurrently) would otherwise all start from the same read and lose races to each other.
      const turn = (queues.get(igAccountId) ?? Promise.resolve()).then(() =>
        reserveFrom(igAccountId, now, notBefore, newest(known, seen.get(igAccountId))),
      );
      const settled = turn.then(
        () => undefined,
        () => undefined,
      );
      queues.set(igAccountId, settled);
      void settled.then(() => {
        if (queues.get(igAccountId) === settled) queues.delete(igAccountId);
      });
      return turn;
    },

    async pause(igAccountId, until) {
      // A plain conditional update: it never lowers a pause, and needs no read.
      try {
        const result = await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: Keys.sendLimiter(igAccountId),
            UpdateExpression:
              "SET pausedUntil = :until, entity = :entity, igAccountId = :account, version = if_not_exists(version, :zero) + :one",
            ConditionExpression: "attribute_not_exists(pausedUntil) OR pausedUntil < :until",
            ExpressionAttributeValues: {
              ":until": until,
              ":entity": "sendLimiter",
              ":account": igAccountId,
              ":zero": 0,
              ":one": 1,
            },
            ReturnConsumedCapacity: "TOTAL",
          }),
        );
        noteCapacity(meter, result.ConsumedCapacity, "write");
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}
