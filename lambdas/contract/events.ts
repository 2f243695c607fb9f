import * as z from "zod";
import { IsoTime, MetaId } from "./api/common";
import { MessageView } from "./api/conversations";
import { OUTBOUND_STATUSES, WINDOW_KINDS } from "./vocabulary";

/**
 * Events out (docs/events.md): what the app hears about, declared once. The `events` function derives them
 * from committed table writes (DynamoDB Streams) and puts them on the EventBridge bus; the optional webhook
 * delivery POSTs the same objects. Never a token or a secret: only ids, statuses and message content.
 */

/** The EventBridge `source` of every event; `detail-type` is the event's `type`. */
export const EVENT_SOURCE = "instagram-dm";
/**
 * The entities whose writes can mean an event: the event-source filter (lib/constructs/events.ts) passes only
 * stream records whose new or old image has one of these `entity` values, so the function is not even invoked
 * for the rest (limiter, idempotency keys, OAuth states, claims…). Conversations pass: their writes keep the
 * window-closing index current and carry the once-per-window marker that becomes `conversation.window_closing`.
 */
export const EVENT_ENTITIES = ["message", "integration", "data_deletion", "conversation"] as const;

/** Bumped only for a breaking change of an event's shape; additive fields keep the version. */
export const EVENT_SCHEMA_VERSION = 1 as const;

/** The six event types, in the order docs/events.md lists them. */
export const EVENT_TYPES = [
  "message.received",
  "message.changed",
  "message.status_changed",
  "conversation.window_closing",
  "integration.status_changed",
  "data_deletion.completed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** How a stored message changed: an edit, an unsend, a reaction added or removed, seen by the customer. */
export const MESSAGE_CHANGES = ["edited", "unsent", "reaction", "seen"] as const;
export type MessageChange = (typeof MESSAGE_CHANGES)[number];

/** Lead time of `conversation.window_closing`: emitted when the reply window (24 h or 7 days) ends within this. */
export const WINDOW_CLOSING_LEAD_MS = 2 * 3600 * 1000;
/** How often the window-closing detector runs: an event comes between the lead time and this much less. */
export const WINDOW_CHECK_MINUTES = 5;
/**
 * The window index's partitions (`wcpk` = `WINDOW#<0..n-1>`, by a hash of the conversation): spreads its writes
 * so no index partition is hot; each detector run queries every shard once.
 */
export const WINDOW_INDEX_SHARDS = 4;

const envelope = <T extends EventType, D extends z.ZodType>(type: T, data: D, description: string) =>
  z
    .object({
      specVersion: z.literal(EVENT_SCHEMA_VERSION),
      id: z
        .string()
        .regex(/^evt_[0-9a-f]{32}$/)
        .describe("Unique and deterministic: a redelivery of the same change carries the same id"),
      type: z.literal(type),
      occurredAt: IsoTime.describe("When the write that produced the event committed"),
      imoId: z.string().describe("The organisation (tenant)"),
      userId: z
        .string()
        .optional()
        .describe("The app user whose integration it concerns, when known at the time of the write"),
      data,
    })
    .describe(description)
    .meta({ id: eventSchemaId(type) });

function eventSchemaId(type: EventType): string {
  return `${type
    .split(/[._]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("")}Event`;
}

const conversationIds = {
  igAccountId: MetaId,
  conversationId: z.string().describe("`<igAccountId>_<igsid>`, as in the conversation list"),
};

export const MessageReceivedEvent = envelope(
  "message.received",
  z.object({ ...conversationIds, messageId: z.string(), message: MessageView }),
  "A customer message of any kind, with its content as the app API shows it",
);

export const MessageChangedEvent = envelope(
  "message.changed",
  z.object({
    ...conversationIds,
    messageId: z.string(),
    changes: z.array(z.enum(MESSAGE_CHANGES)).min(1),
    message: MessageView.describe("The message after the change"),
  }),
  "A stored message was edited, unsent, reacted to (or unreacted) or seen by the customer",
);

export const MessageStatusChangedEvent = envelope(
  "message.status_changed",
  z.object({
    ...conversationIds,
    messageId: z.string(),
    status: z.enum(OUTBOUND_STATUSES),
    previousStatus: z.enum(OUTBOUND_STATUSES).optional().describe("Absent when the message was accepted"),
    failureReason: z.string().optional().describe("When `failed`: see MessageStatus in the app API"),
  }),
  "A message sent through the API moved: queued → sending → sent | failed",
);

export const ConversationWindowClosingEvent = envelope(
  "conversation.window_closing",
  z.object({
    ...conversationIds,
    closesAt: IsoTime.describe("When the reply window ends; a reply after this fails with window_closed"),
    lastCustomerMessageAt: IsoTime.describe("The unanswered customer message the window counts from"),
    windowKind: z
      .enum(WINDOW_KINDS)
      .describe(
        "standard (24 h after the customer's last message) or ad_referral (7 days, ad-started thread)",
      ),
  }),
  "The reply window of a conversation whose last customer message is unanswered ends soon",
);

export const IntegrationStatusChangedEvent = envelope(
  "integration.status_changed",
  z.object({
    igAccountId: MetaId,
    // A string, not an enum: new integration states (restricted, replaced, …) slot in without a new version.
    status: z.string().describe("connected, needs_reauth, revoked, … or `removed` when the item was deleted"),
    previousStatus: z.string().optional().describe("Absent for a new integration"),
  }),
  "An integration changed status",
);

export const DataDeletionCompletedEvent = envelope(
  "data_deletion.completed",
  z.object({
    confirmationCode: z.string(),
    erased: z
      .object({
        integrations: z.number().int().min(0),
        conversations: z.number().int().min(0),
        messages: z.number().int().min(0),
      })
      .optional(),
  }),
  "A data deletion request finished; `imoId` is `*` when the request spanned every organisation",
);

/** Every event, discriminated by `type`. */
export const AppEvent = z.discriminatedUnion("type", [
  MessageReceivedEvent,
  MessageChangedEvent,
  MessageStatusChangedEvent,
  ConversationWindowClosingEvent,
  IntegrationStatusChangedEvent,
  DataDeletionCompletedEvent,
]);
export type AppEvent = z.infer<typeof AppEvent>;
export type AppEventOf<T extends EventType> = Extract<AppEvent, { type: T }>;
