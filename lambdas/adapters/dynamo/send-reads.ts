import { BatchGetCommand } from "@aws-sdk/lib-dynamodb";
import type { OutboundMessage, OutboundRef, SendReads, SendView } from "../../domain/outbound/ports";
import { APP_WIDE_LIMITER } from "../../domain/outbound/retry";
import { type DynamoAccess, noteCapacity } from "./capacity";
import { integrationFromItem } from "./integration-item";
import { Keys } from "./keys";
import { outboundFromItem } from "./outbound-item";
import { anchorsFromItem } from "./outbound-lookups";
import { limiterFromItem } from "./send-limiter";

type Key = { pk: string; sk: string };

/** Rounds of UnprocessedKeys (throttling) before giving up; the record is then retried like any dependency error. */
const MAX_ROUNDS = 5;

/** The keys a send decision reads, from the message's identity. */
interface Subject {
  readonly imoId: string;
  readonly userId: string;
  readonly igAccountId: string;
  readonly igsid: string;
}

/**
 * The sender's reads as one strongly consistent BatchGetItem: the message, its integration, its conversation
 * (reply-window anchors), the app-wide and the account's limiter. The queue record names the keys; the
 * message item stays the truth: if it names others (it never should), they are read again from its own.
 * A record without the keys (queued before they were added) reads the message first: two requests.
 */
export function dynamoSendReads(access: DynamoAccess): SendReads {
  const { db, tableName, meter } = access;

  async function batchGet(keys: readonly Key[]): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    let pending: Record<string, unknown>[] = [...keys];
    for (let round = 1; pending.length > 0; round += 1) {
      if (round > MAX_ROUNDS) throw new Error("DynamoDB kept keys of the sender's read unprocessed");
      if (round > 1) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** round));
      const result = await db.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } },
          ReturnConsumedCapacity: "TOTAL",
        }),
      );
      noteCapacity(meter, result.ConsumedCapacity, "read");
      for (const item of result.Responses?.[tableName] ?? []) found.set(`${item.pk}|${item.sk}`, item);
      pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
    return found;
  }

  const subjectKeys = (s: Subject): Key[] => [
    Keys.integration(s.imoId, s.userId),
    Keys.conversation(s.imoId, s.igAccountId, s.igsid),
    Keys.sendLimiter(APP_WIDE_LIMITER),
    Keys.sendLimiter(s.igAccountId),
  ];

  function viewOf(message: OutboundMessage, items: Map<string, Record<string, unknown>>): SendView {
    const at = (key: Key) => items.get(`${key.pk}|${key.sk}`);
    const integrationItem = at(Keys.integration(message.imoId, message.userId));
    return {
      message,
      ...(integrationItem === undefined ? {} : { integration: integrationFromItem(integrationItem) }),
      anchors: anchorsFromItem(at(Keys.conversation(message.imoId, message.igAccountId, message.igsid))),
      appLimiter: limiterFromItem(at(Keys.sendLimiter(APP_WIDE_LIMITER))).state,
      accountLimiter: limiterFromItem(at(Keys.sendLimiter(message.igAccountId))),
    };
  }

  const sameSubject = (message: OutboundMessage, s: Subject) =>
    message.userId === s.userId && message.igAccountId === s.igAccountId && message.igsid === s.igsid;

  return {
    async view(ref: OutboundRef) {
      const messageKey = Keys.message(ref.imoId, ref.messageId);
      const hinted =
        ref.userId !== undefined && ref.igAccountId !== undefined && ref.igsid !== undefined
          ? { imoId: ref.imoId, userId: ref.userId, igAccountId: ref.igAccountId, igsid: ref.igsid }
          : undefined;
      const first = await batchGet(
        hinted === undefined ? [messageKey] : [messageKey, ...subjectKeys(hinted)],
      );
      const item = first.get(`${messageKey.pk}|${messageKey.sk}`);
      const message = item === undefined ? undefined : outboundFromItem(item);
      if (message === undefined) {
        return { anchors: {}, appLimiter: { runs: [] }, accountLimiter: { state: { runs: [] } } };
      }
      if (hinted !== undefined && sameSubject(message, hinted)) return viewOf(message, first);
      return viewOf(message, await batchGet(subjectKeys(message)));
    },
  };
}
