import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { ErasureCounts, ErasureStore, PersonLink } from "../../domain/connect/ports";
import { Keys } from "./keys";
import { partKeys } from "./outbound-part-item";
import { gsi1Partition, queryPages } from "./query";

type Key = { pk: string; sk: string };
type Item = Record<string, unknown>;

/** Items read per page while erasing; small items, so a page stays well under DynamoDB's 1 MB. */
const PAGE = 1000;
/** BatchWriteItem requests in flight at once (25 deletes each). */
const PARALLEL_BATCHES = 8;

const keyOf = (item: Item): Key[] =>
  typeof item.pk === "string" && typeof item.sk === "string" ? [{ pk: item.pk, sk: item.sk }] : [];

/** Finding and erasing a person's items: person links, each organisation's data of an account, per-account state. */
export function dynamoErasureStore(db: DynamoDBDocumentClient, tableName: string): ErasureStore {
  /** Deletes 25 keys, re-sending what DynamoDB reports unprocessed. */
  const deleteBatch = async (keys: readonly Key[]) => {
    let requests = keys.map((key) => ({ DeleteRequest: { Key: key } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 8) throw new Error("Erasure: DynamoDB kept items unprocessed");
      const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (result.UnprocessedItems?.[tableName] ?? []).flatMap((request) =>
        request.DeleteRequest?.Key ? [{ DeleteRequest: { Key: request.DeleteRequest.Key as Key } }] : [],
      );
      if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  };
  const deleteAll = async (keys: readonly Key[]) => {
    const batches: Key[][] = [];
    for (let start = 0; start < keys.length; start += 25) batches.push(keys.slice(start, start + 25));
    for (let start = 0; start < batches.length; start += PARALLEL_BATCHES) {
      await Promise.all(batches.slice(start, start + PARALLEL_BATCHES).map(deleteBatch));
    }
  };

  /**
   * Walks a query page by page, deleting what `keysOf` names for each page; stops early when `stop()` says so.
   * Answers how many items the pages held and whether the walk reached the end.
   */
  const erasePages = async (
    input: QueryCommandInput,
    keysOf: (items: Item[]) => Key[],
    stop: () => boolean,
  ): Promise<{ items: number; extra: number; done: boolean }> => {
    let startKey: QueryCommandInput["ExclusiveStartKey"];
    let items = 0;
    let extra = 0;
    do {
      const page = await db.send(
        new QueryCommand({ ...input, Limit: PAGE, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
      );
      const found = page.Items ?? [];
      const keys = keysOf(found);
      await deleteAll(keys);
      items += found.length;
      extra += keys.length - found.length;
      startKey = page.LastEvaluatedKey;
      if (startKey !== undefined && stop()) return { items, extra, done: false };
    } while (startKey !== undefined);
    return { items, extra, done: true };
  };

  /**
   * A message's own key, the pointer from Meta's mid of a message we sent, its Idempotency-Key record, and for
   * a message in parts every part item and part mid pointer (part items are in no index: only the parent names them).
   */
  const messageKeys = (imoId: string) => (page: Item[]) =>
    page.flatMap((message) => [
      ...keyOf(message),
      ...(typeof message.mid === "string" && message.mid !== message.messageId
        ? [Keys.sentMid(imoId, message.mid)]
        : []),
      ...(typeof message.idempotencyPk === "string" ? [{ pk: message.idempotencyPk, sk: "KEY" }] : []),
      ...partKeys(imoId, message),
    ]);

  return {
    async linksOf(personId) {
      const links: PersonLink[] = [];
      await queryPages(
        db,
        {
          TableName: tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": Keys.personLinks(personId).pk },
          ConsistentRead: true,
        },
        (items) => {
          for (const item of items) {
            if (typeof item.imoId !== "string" || typeof item.igAccountId !== "string") continue;
            const ids = Array.isArray(item.personIds)
              ? item.personIds.filter((id) => typeof id === "string")
              : [];
            links.push({
              imoId: item.imoId,
              igAccountId: item.igAccountId,
              personIds: [...new Set([personId, ...ids])],
              ...(item.loginFlavour === "facebook" ? { loginFlavour: "facebook" as const } : {}),
            });
          }
        },
      );
      return links;
    },

    async eraseAccountData(imoId, igAccountId, stop) {
      let counts: ErasureCounts = { integrations: 0, conversations: 0, messages: 0, other: 0 };
      const more = (delta: Partial<ErasureCounts>) => {
        counts = {
          ...counts,
          conversations: counts.conversations + (delta.conversations ?? 0),
          messages: counts.messages + (delta.messages ?? 0),
          other: counts.other + (delta.other ?? 0),
        };
      };
      // Edits and reactions waiting for a message that never came: they hold text until their TTL.
      const pending = await erasePages(
        {
          TableName: tableName,
          IndexName: "gsi2",
          KeyConditionExpression: "gsi2pk = :pk",
          ExpressionAttributeValues: { ":pk": Keys.pendingByAccount(imoId, igAccountId).gsi2pk },
        },
        (items) => items.flatMap(keyOf),
        stop,
      );
      more({ other: pending.items });
      if (!pending.done) return { counts, done: false };
      // The account's history import job goes first: a running import then finds no job and stores nothing more.
      const job = await db.send(
        new DeleteCommand({
          TableName: tableName,
          Key: Keys.historyJob(imoId, igAccountId),
          ReturnValues: "ALL_OLD",
        }),
      );
      if (job.Attributes !== undefined) more({ other: 1 });
      // Conversations page by page; each one's messages first, then the conversation (what a resume finds it by).
      const inbox = { ...gsi1Partition(tableName, Keys.inbox(imoId, igAccountId).gsi1pk), Limit: 25 };
      let startKey: QueryCommandInput["ExclusiveStartKey"];
      do {
        const page = await db.send(
          new QueryCommand({ ...inbox, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
        );
        for (const conversation of page.Items ?? []) {
          if (typeof conversation.igsid === "string") {
            const messages = await erasePages(
              gsi1Partition(
                tableName,
                Keys.conversationMessages(imoId, igAccountId, conversation.igsid).gsi1pk,
              ),
              messageKeys(imoId),
              stop,
            );
            more({ messages: messages.items, other: messages.extra });
            if (!messages.done) return { counts, done: false };
          }
          await deleteAll(keyOf(conversation));
          more({ conversations: 1 });
          if (stop()) return { counts, done: false };
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      return { counts, done: true };
    },

    async eraseAccountState(igAccountId) {
      const result = await db.send(
        new DeleteCommand({
          TableName: tableName,
          Key: Keys.sendLimiter(igAccountId),
          ReturnValues: "ALL_OLD",
        }),
      );
      return result.Attributes === undefined ? 0 : 1;
    },

    async removeLinks(links) {
      const keys = new Map<string, Key>();
      for (const link of links) {
        for (const personId of new Set(link.personIds)) {
          const key = Keys.personLink(personId, link.imoId, link.igAccountId);
          keys.set(`${key.pk}|${key.sk}`, key);
        }
      }
      await deleteAll([...keys.values()]);
      return keys.size;
    },
  };
}
