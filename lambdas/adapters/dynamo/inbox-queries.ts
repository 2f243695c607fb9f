import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { TAP_KINDS, TAP_LINK_BASES } from "../../contract/vocabulary";
import type { Conversation } from "../../domain/conversation";
import { ValidationError } from "../../domain/errors";
import type { PageKey } from "../../domain/inbox/cursor";
import type { InboxReader, PageRequest, StoredFilter, StoredPage } from "../../domain/inbox/inbox";
import { ATTACHMENT_TYPES, type MessageRecord, type SendFailureReason } from "../../domain/message";
import type { RichRecord } from "../../domain/outbound/rich";
import type { Tenant } from "../../domain/tenant";
import { filterExpression, MAX_FILTER_ROUNDS } from "./inbox-filter";
import { integrationFromItem } from "./integration-item";
import { Keys } from "./keys";
import { isRichItem } from "./outbound-rich-item";
import { profileStateFromItem } from "./profiles";
import { gsi1Partition } from "./query";

const KEY_ATTRIBUTES = ["pk", "sk", "gsi1pk", "gsi1sk"] as const;

const epochMs = z.number().int().nonnegative();

/** The stored conversation item (docs/data-model.md); unknown attributes are ignored. */
const ConversationItem = z.object({
  imoId: z.string(),
  igAccountId: z.string(),
  igsid: z.string(),
  lastActivityAt: epochMs,
  lastMessagePreview: z.string().optional(),
  lastMessageDirection: z.enum(["inbound", "outbound"]).optional(),
  unreadCount: z.number().int().nonnegative().default(0),
  lastCustomerMessageAt: epochMs.optional(),
  lastReferral: z.object({ at: epochMs, referral: z.record(z.string(), z.string()) }).optional(),
  optin: z.object({ at: epochMs, fields: z.record(z.string(), z.string()) }).optional(),
  adReferral: z.object({ at: epochMs, referral: z.record(z.string(), z.string()) }).optional(),
});

const MessageItem = z.object({
  imoId: z.string(),
  igAccountId: z.string(),
  igsid: z.string(),
  messageId: z.string(),
  mid: z.string().optional(),
  direction: z.enum(["inbound", "outbound"]),
  source: z.enum(["customer", "echo", "api"]),
  sentAt: epochMs,
  text: z.string().optional(),
  attachments: z
    .array(
      z.object({
        type: z.enum(ATTACHMENT_TYPES).catch("unknown"),
        url: z.string().optional(),
        title: z.string().optional(),
        urlExpiresAt: epochMs.optional(),
        reelVideoId: z.string().optional(),
        igPostMediaId: z.string().optional(),
      }),
    )
    .optional(),
  replyToMid: z.string().optional(),
  replyToStory: z.object({ id: z.string().optional(), url: z.string().optional() }).optional(),
  quickReplyPayload: z.string().optional(),
  postbackPayload: z.string().optional(),
  tap: z
    .object({
      kind: z.enum(TAP_KINDS),
      payload: z.string().optional(),
      title: z.string().optional(),
      inReplyTo: z.object({ messageId: z.string(), linkedBy: z.enum(TAP_LINK_BASES) }).optional(),
    })
    .optional()
    // A tap this reader does not know (written by a newer version) never hides the message itself.
    .catch(undefined),
  referral: z.record(z.string(), z.string()).optional(),
  standby: z.boolean().optional(),
  reactions: z
    .record(
      z.string(),
      z.object({
        reaction: z.string(),
        emoji: z.string().optional(),
        at: epochMs,
        removed: z.boolean().optional(),
      }),
    )
    .optional(),
  readAt: epochMs.optional(),
  editCount: z.number().int().nonnegative().optional(),
  editedAt: epochMs.optional(),
  deleted: z.boolean().optional(),
  unsupported: z.boolean().optional(),
  status: z.enum(["queued", "sending", "sent", "failed"]).optional(),
  // A string, so a reason added by the sender never breaks reading the thread.
  failureReason: z.custom<SendFailureReason>((value) => typeof value === "string").optional(),
  // The app user who sent it through the API (events carry it as their userId; views never show it).
  userId: z.string().optional(),
  // Written by our own sender (outbound-rich-item.ts); only its kind is checked on the way back.
  rich: z.custom<RichRecord>(isRichItem).optional(),
});

/** A stored message item read back, or undefined when the item is not a complete message (the events stream). */
export function messageFromItem(item: Record<string, unknown>): MessageRecord | undefined {
  const result = MessageItem.safeParse(item);
  return result.success ? stripUndefined(result.data) : undefined;
}

/** A stored conversation item as the domain reads it. */
export function conversationFromItem(item: Record<string, unknown>): Conversation {
  const profile = profileStateFromItem(item);
  return { ...stripUndefined(ConversationItem.parse(item)), ...(profile === undefined ? {} : { profile }) };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function keyOf(item: Record<string, unknown>): PageKey {
  return Object.fromEntries(KEY_ATTRIBUTES.map((name) => [name, String(item[name])]));
}

/** A start key is only used if it lies in the partition being queried; anything else is a bad cursor. */
function checkStartKey(key: PageKey, gsi1pk: string, pkPrefix: string, sk: string): PageKey {
  const names = Object.keys(key).sort();
  const ok =
    names.length === KEY_ATTRIBUTES.length &&
    [...KEY_ATTRIBUTES].sort().every((name, i) => names[i] === name) &&
    key.gsi1pk === gsi1pk &&
    key.sk === sk &&
    (key.pk?.startsWith(pkPrefix) ?? false) &&
    (key.gsi1sk?.length ?? 0) > 0;
  if (!ok) throw new ValidationError([{ field: "query.cursor", message: "Malformed cursor" }]);
  return key;
}

/**
 * The read side of the inbox on the single table: the caller's integration (GetItem), an account's inbox
 * (gsi1, newest activity first) and a conversation's messages (gsi1, newest first). One query per page:
 * it asks for one item more than the page to know whether another page exists.
 */
export function dynamoInboxReader(db: DynamoDBDocumentClient, tableName: string): InboxReader {
  async function page<T>(
    gsi1pk: string,
    pkPrefix: string,
    sk: string,
    request: PageRequest,
    parse: (item: Record<string, unknown>) => T,
    filter?: StoredFilter,
  ): Promise<StoredPage<T>> {
    let startKey: Record<string, unknown> | undefined =
      request.startKey && checkStartKey(request.startKey, gsi1pk, pkPrefix, sk);
    const base = gsi1Partition(tableName, gsi1pk);
    const filtered = filter === undefined ? undefined : filterExpression(filter);
    const matched: Record<string, unknown>[] = [];
    // Unfiltered: one query of one item more than the page. Filtered: DynamoDB applies the filter after the
    // limit, so keep reading (a bounded number of rounds) until the page is full or the partition ends.
    for (let round = 0; round < (filtered ? MAX_FILTER_ROUNDS : 1); round += 1) {
      const callersKey = round === 0 && startKey !== undefined;
      const result = await db
        .send(
          new QueryCommand({
            ...base,
            ScanIndexForward: false,
            Limit: filtered ? Math.max(request.limit + 1, 100) : request.limit + 1,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            ...(filtered
              ? {
                  FilterExpression: filtered.expression,
                  ExpressionAttributeNames: filtered.names,
                  ExpressionAttributeValues: { ...base.ExpressionAttributeValues, ...filtered.values },
                }
              : {}),
          }),
        )
        .catch((error: unknown) => {
          // Only the cursor is the caller's input: whatever DynamoDB still refuses in it is a bad cursor (400).
          if (callersKey && error instanceof Error && error.name === "ValidationException") {
            throw new ValidationError([{ field: "query.cursor", message: "Malformed cursor" }]);
          }
          throw error;
        });
      matched.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
      if (matched.length > request.limit || startKey === undefined) break;
    }
    const shown = matched.slice(0, request.limit);
    const last = shown.at(-1);
    // More to read: after the last item shown when the page is full, else where the reading stopped.
    const lastKey =
      matched.length > request.limit && last
        ? keyOf(last)
        : startKey === undefined
          ? undefined
          : keyOf(startKey);
    return { items: shown.map(parse), ...(lastKey ? { lastKey } : {}) };
  }

  return {
    async integrationOf(tenant: Tenant) {
      const result = await db.send(
        new GetCommand({ TableName: tableName, Key: Keys.integration(tenant.imoId, tenant.userId) }),
      );
      return result.Item ? integrationFromItem(result.Item) : undefined;
    },

    conversationsPage(imoId, igAccountId, request, filter) {
      return page(
        Keys.inbox(imoId, igAccountId).gsi1pk,
        `CONV#${imoId}#${igAccountId}#`,
        "CONV",
        request,
        conversationFromItem,
        filter,
      );
    },

    async conversation(imoId, igAccountId, igsid) {
      const result = await db.send(
        new GetCommand({ TableName: tableName, Key: Keys.conversation(imoId, igAccountId, igsid) }),
      );
      return result.Item ? conversationFromItem(result.Item) : undefined;
    },

    messagesPage(imoId, igAccountId, igsid, request) {
      return page(
        Keys.conversationMessages(imoId, igAccountId, igsid).gsi1pk,
        `MSG#${imoId}#`,
        "MSG",
        request,
        (item): MessageRecord => stripUndefined(MessageItem.parse(item)),
      );
    },
  };
}
