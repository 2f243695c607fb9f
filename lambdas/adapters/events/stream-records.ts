import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import type { StoredChange, StoredEntity } from "../../domain/events/derive";
import { messageFromItem } from "../dynamo/inbox-queries";
import { windowWatchFromItem } from "../dynamo/window-index";

type Image = Record<string, AttributeValue>;

/** Reads one stream record into the domain's change; throws on a record without keys (never a real one). */
export function storedChangeOf(record: DynamoDBRecord): StoredChange {
  const stream = record.dynamodb;
  const keys = stream?.Keys ? unmarshall(stream.Keys as Image) : undefined;
  if (typeof keys?.pk !== "string" || typeof keys.sk !== "string" || !stream?.SequenceNumber) {
    throw new Error("Stream record without keys or sequence number");
  }
  const old = stream.OldImage ? entityOf(unmarshall(stream.OldImage as Image)) : undefined;
  const next = stream.NewImage ? entityOf(unmarshall(stream.NewImage as Image)) : undefined;
  return {
    key: { pk: keys.pk, sk: keys.sk },
    sequence: stream.SequenceNumber,
    // Stream times are epoch seconds; the sequence number orders changes within the second.
    committedAt: Math.round((stream.ApproximateCreationDateTime ?? 0) * 1000),
    ...(old ? { old } : {}),
    ...(next ? { new: next } : {}),
  };
}

const text = (value: unknown) => (typeof value === "string" ? value : undefined);
const count = (value: unknown) => (typeof value === "number" ? value : 0);

function entityOf(item: Record<string, unknown>): StoredEntity {
  if (item.entity === "message") {
    const message = messageFromItem(item);
    return message ? { kind: "message", message } : { kind: "other" };
  }
  if (item.entity === "conversation") {
    const watch = windowWatchFromItem(item);
    return watch ? { kind: "conversation", watch } : { kind: "other" };
  }
  if (item.entity === "integration") {
    const [imoId, userId, igAccountId, status] = [item.imoId, item.userId, item.igAccountId, item.status].map(
      text,
    );
    if (imoId && userId && igAccountId && status) {
      return { kind: "integration", imoId, userId, igAccountId, status };
    }
  }
  if (item.entity === "data_deletion") {
    const code = text(item.code);
    const status = text(item.status);
    const erased = item.erased as Record<string, unknown> | undefined;
    if (code && status) {
      return {
        kind: "data_deletion",
        code,
        status,
        ...(erased
          ? {
              erased: {
                integrations: count(erased.integrations),
                conversations: count(erased.conversations),
                messages: count(erased.messages),
              },
            }
          : {}),
      };
    }
  }
  return { kind: "other" };
}
