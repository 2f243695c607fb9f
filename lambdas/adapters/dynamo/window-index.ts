import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { WINDOW_INDEX_SHARDS } from "../../contract/events";
import { WindowIndex } from "../../contract/table";
import {
  type ConversationKey,
  type WindowIndexStore,
  type WindowWatch,
  windowShard,
} from "../../domain/events/window-closing";
import { type DynamoAccess, noteCapacity } from "./capacity";
import { updateIf } from "./conditional";
import { sortKeyTime } from "./dates";
import { queryPages } from "./query";
import { allOf, UpdateBuilder } from "./update-expression";

/**
 * The sparse window-closing index on conversation items (docs/events.md): `wcpk` = `WINDOW#<shard>`,
 * `wcsk` = the window end (ISO-8601), `windowClosingAt` = the same in epoch ms, present only while the
 * conversation waits for an answer; `windowClosingNotifiedFor` = the window end already announced.
 */
export const WindowAttributes = {
  closingAt: "windowClosingAt",
  notifiedFor: "windowClosingNotifiedFor",
} as const;

const num = (value: unknown) => (typeof value === "number" ? value : undefined);

/** A conversation item (a stream image or a read) as window-closing sees it; undefined if it is not one. */
export function windowWatchFromItem(item: Record<string, unknown> | undefined): WindowWatch | undefined {
  if (item?.entity !== "conversation") return undefined;
  const { imoId, igAccountId, igsid } = item;
  if (typeof imoId !== "string" || typeof igAccountId !== "string" || typeof igsid !== "string")
    return undefined;
  const direction = item.lastMessageDirection;
  const fields = {
    lastActivityAt: num(item.lastActivityAt),
    lastMessageDirection: direction === "inbound" || direction === "outbound" ? direction : undefined,
    lastCustomerMessageAt: num(item.lastCustomerMessageAt),
    adReferralAt: num((item.adReferral as { at?: unknown } | undefined)?.at),
    notifiedFor: num(item[WindowAttributes.notifiedFor]),
    indexedEnd:
      item[WindowIndex.partitionKey] === undefined ? undefined : num(item[WindowAttributes.closingAt]),
  };
  const defined = Object.entries(fields).filter(([, value]) => value !== undefined);
  return { imoId, igAccountId, igsid, ...Object.fromEntries(defined) } as WindowWatch;
}

function indexEntry(builder: UpdateBuilder, key: ConversationKey, closesAt: number): UpdateBuilder {
  return builder
    .set(WindowIndex.partitionKey, `WINDOW#${windowShard(key.pk, WINDOW_INDEX_SHARDS)}`)
    .set(WindowIndex.sortKey, sortKeyTime(closesAt))
    .set(WindowAttributes.closingAt, closesAt);
}

function dropEntry(builder: UpdateBuilder): UpdateBuilder {
  return builder
    .remove(WindowIndex.partitionKey)
    .remove(WindowIndex.sortKey)
    .remove(WindowAttributes.closingAt);
}

/**
 * Conditions on the conversation being as it was read (optimistic): same activity, same window anchors. A write
 * in between fails the condition and is decided again from its own stream record or the next detector run.
 * Never creates an item: a conversation erased meanwhile fails `attribute_exists`.
 */
function unchangedSince(builder: UpdateBuilder, seen: WindowWatch): string | undefined {
  const same = (path: string, value: number | string | undefined) =>
    value === undefined
      ? `attribute_not_exists(${builder.path(path)})`
      : `${builder.path(path)} = ${builder.value(value)}`;
  return allOf(
    `attribute_exists(${builder.path("pk")})`,
    same("lastActivityAt", seen.lastActivityAt),
    same("lastMessageDirection", seen.lastMessageDirection),
    same("lastCustomerMessageAt", seen.lastCustomerMessageAt),
    same("adReferral.at", seen.adReferralAt),
  );
}

export function dynamoWindowIndex(access: DynamoAccess): WindowIndexStore {
  return {
    async apply(key, seen, change) {
      if (change === undefined) return false;
      const builder = new UpdateBuilder();
      if (change === "remove") dropEntry(builder);
      else indexEntry(builder, key, change.add);
      return updateIf(access, { pk: key.pk, sk: key.sk }, builder, unchangedSince(builder, seen));
    },

    async dueBy(upTo) {
      const keys: ConversationKey[] = [];
      for (let shard = 0; shard < WINDOW_INDEX_SHARDS; shard++) {
        await queryPages(
          access.db,
          {
            TableName: access.tableName,
            IndexName: WindowIndex.name,
            KeyConditionExpression: "#p = :p AND #s <= :upTo",
            ExpressionAttributeNames: { "#p": WindowIndex.partitionKey, "#s": WindowIndex.sortKey },
            ExpressionAttributeValues: { ":p": `WINDOW#${shard}`, ":upTo": sortKeyTime(upTo) },
          },
          (items) => {
            for (const item of items) keys.push({ pk: String(item.pk), sk: String(item.sk) });
          },
        );
      }
      return keys;
    },

    async read(key) {
      const result = await access.db.send(
        new GetCommand({
          TableName: access.tableName,
          Key: key,
          ConsistentRead: true,
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      noteCapacity(access.meter, result.ConsumedCapacity, "read");
      return windowWatchFromItem(result.Item);
    },

    async act(key, seen, action) {
      const builder = new UpdateBuilder();
      if (action.kind === "move") indexEntry(builder, key, action.closesAt);
      else dropEntry(builder);
      if (action.kind !== "announce")
        return updateIf(access, { pk: key.pk, sk: key.sk }, builder, unchangedSince(builder, seen));
      // The once-per-window marker: its stream record is the `conversation.window_closing` event.
      const end = action.window.closesAt;
      builder.set(WindowAttributes.notifiedFor, end);
      const marker = builder.path(WindowAttributes.notifiedFor);
      const once = `attribute_not_exists(${marker}) OR ${marker} <> ${builder.value(end)}`;
      return updateIf(
        access,
        { pk: key.pk, sk: key.sk },
        builder,
        allOf(unchangedSince(builder, seen), once),
      );
    },
  };
}
