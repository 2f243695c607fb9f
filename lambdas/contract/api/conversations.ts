import * as z from "zod";
import {
  ATTACHMENT_TYPES,
  DIRECTIONS,
  MESSAGE_SOURCES,
  OUTBOUND_STATUSES,
  TAP_KINDS,
  TAP_LINK_BASES,
  WINDOW_FILTERS,
  WINDOW_KINDS,
  WINDOW_STATES,
} from "../vocabulary";
import { IsoTime, MetaId, PageQuery, pageOf } from "./common";
import { RichView } from "./rich";

/** `<igAccountId>_<igsid>`, as returned in conversation lists. */
export const ConversationIdParam = z
  .string()
  .regex(/^\d{1,30}_\d{1,30}$/, "Not a conversation id")
  .describe("`<igAccountId>_<igsid>` from the conversation list");

export const ReplyWindowView = z.object({
  state: z
    .enum(WINDOW_STATES)
    .describe("open: any reply; human_agent_only: only with tag HUMAN_AGENT; closed: none"),
  kind: z
    .enum(WINDOW_KINDS)
    .describe(
      "standard: 24 hours after the customer's last message; ad_referral: 7 days after the first message of a thread started from an ad",
    ),
  closesAt: IsoTime.optional().describe(
    "End of the open window (of its kind); absent if the customer never wrote",
  ),
  humanAgentClosesAt: IsoTime.optional().describe("End of the 7-day HUMAN_AGENT window"),
});

/** Meta's referral fields as received (flattened to strings), and when. */
export const Attribution = z.object({ at: IsoTime, referral: z.record(z.string(), z.string()) });

/** The customer's profile as Meta's User Profile API last showed it to the account (docs/app-api.md). */
export const CustomerView = z
  .object({
    name: z.string().optional(),
    username: z.string().optional(),
    profilePictureUrl: z
      .string()
      .optional()
      .describe(
        "Meta's CDN link; it expires after a few days and is refreshed on the customer's next message",
      ),
    followerCount: z.number().int().min(0).optional(),
    isVerified: z.boolean().optional(),
    followsBusiness: z.boolean().optional().describe("The customer follows the business account"),
    businessFollows: z.boolean().optional().describe("The business account follows the customer"),
    fetchedAt: IsoTime.describe("When Meta was asked"),
    unavailable: z
      .literal(true)
      .optional()
      .describe(
        "Meta refused the profile (the customer blocked the account, no consent, account gone): no other " +
          "profile field is present; the conversation works as before",
      ),
  })
  .describe("Absent until the profile was first fetched (shortly after the customer's first message)")
  .meta({ id: "Customer" });

export const ConversationSummary = z
  .object({
    conversationId: z.string(),
    igAccountId: MetaId,
    participant: z.object({ igsid: MetaId.describe("The customer's Instagram-scoped id") }),
    customer: CustomerView.optional(),
    lastActivityAt: IsoTime,
    lastMessagePreview: z.string().optional(),
    lastMessageDirection: z.enum(DIRECTIONS).optional(),
    unreadCount: z.number().int().min(0),
    window: ReplyWindowView.describe("Computed at request time"),
    adReferral: Attribution.optional().describe(
      "The ad that started this thread (referral of its first message: ad_id, source ADS, ads_context_data …)",
    ),
    lastReferral: Attribution.optional().describe(
      "The latest ig.me link (`ref`) or ad opened in this existing thread (messaging_referral)",
    ),
    optin: z
      .object({ at: IsoTime, fields: z.record(z.string(), z.string()) })
      .optional()
      .describe("The latest marketing-message opt-in (messaging_optins), without its token"),
  })
  .meta({ id: "ConversationSummary" });

/** `GET /instagram/conversations` query: paging plus optional filters (the cursor keeps its filters). */
export const ConversationsListQuery = PageQuery.extend({
  window: z
    .enum(WINDOW_FILTERS)
    .optional()
    .describe(
      "open: the reply window is open (24 hours, or 7 days in a thread started from an ad); closing: open " +
        "with at most 2 hours left; closed: the reply window is closed (including human_agent_only) or the " +
        "customer never wrote",
    ),
  unread: z
    .enum(["true", "false"])
    .optional()
    .describe("true: only conversations with unread customer messages"),
  q: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .describe(
      "Case-insensitive prefix of the customer's username or name (or of a word of the name); only " +
        "conversations whose profile was fetched match",
    ),
});
export const ConversationsPage = pageOf(ConversationSummary).meta({ id: "ConversationsPage" });

/** `GET /instagram/conversations/{conversationId}/messages` path and query. */
export const ConversationMessagesPath = z.object({ conversationId: ConversationIdParam });
export const ConversationMessagesQuery = PageQuery;

export const AttachmentView = z.object({
  type: z.enum(ATTACHMENT_TYPES),
  url: z.string().optional().describe("Short-lived CDN link as Meta sent it"),
  urlExpiresAt: IsoTime.optional().describe(
    "When the CDN link stops working, when the link says (`oe=`); absent otherwise, never guessed",
  ),
  title: z.string().optional(),
  reelVideoId: z.string().optional().describe("A shared reel's id: it outlives the CDN link"),
  igPostMediaId: z.string().optional().describe("A shared post's media id: it outlives the CDN link"),
});

export const ReactionView = z.object({
  by: z.string().describe("Id of the reacting party; unreacted reactions are not listed"),
  reaction: z.string(),
  emoji: z.string().optional(),
  at: IsoTime,
});

export const MessageView = z
  .object({
    messageId: z.string(),
    mid: z.string().optional().describe("Meta's message id, once known"),
    direction: z.enum(DIRECTIONS),
    source: z.enum(MESSAGE_SOURCES),
    type: z.enum(["text", "attachment", "unsupported", "deleted"]),
    text: z.string().optional(),
    attachments: z.array(AttachmentView).optional(),
    replyToMid: z.string().optional(),
    replyToStory: z.object({ id: z.string().optional(), url: z.string().optional() }).optional(),
    quickReplyPayload: z.string().optional(),
    postbackPayload: z.string().optional().describe("A button tap; `text` is the button title"),
    tap: z
      .object({
        kind: z.enum(TAP_KINDS),
        payload: z.string().optional().describe("Absent when Meta sends none (a postback to another app)"),
        title: z.string().optional().describe("The tapped quick reply's or button's title"),
      })
      .optional()
      .describe(
        "The customer tapped a quick reply or a button (postback: template button, ice breaker, menu)",
      ),
    inReplyTo: z
      .object({
        messageId: z.string().describe("Our id of the outbound message the tap answers"),
        linkedBy: z
          .enum(TAP_LINK_BASES)
          .describe(
            "`mid`: Meta named that message; `quick_reply_payload`: Meta names none for quick replies, so the " +
              "conversation's latest message that offered this exact payload before the tap",
          ),
      })
      .optional()
      .describe(
        'A tap: the outbound message it answers, when known (docs/app-api.md, "Taps"); never guessed',
      ),
    standby: z
      .boolean()
      .optional()
      .describe("Arrived while another app owned the thread (standby); it did not open the reply window"),
    referral: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        "Meta's referral on this message or postback: the ad (ad_id, source ADS, title, photo) or ig.me link (ref)",
      ),
    reactions: z.array(ReactionView).optional(),
    readAt: IsoTime.optional().describe("When the customer read it (outbound)"),
    seenByCustomerAt: IsoTime.optional().describe(
      "Outbound: when the customer's read receipt for this message arrived (same value as readAt); " +
        "earlier outbound messages are seen too once a later one is",
    ),
    editCount: z.number().int().min(0).optional(),
    editedAt: IsoTime.optional(),
    deleted: z.boolean().optional().describe("Unsent by the customer; content removed"),
    status: z.enum(OUTBOUND_STATUSES).optional().describe("Outbound via the API only"),
    rich: RichView.optional().describe("Outbound via the API: quick replies, reply, sticker, post, template"),
    failureReason: z.string().optional().describe("Why an outbound message failed (see MessageStatus)"),
    sentAt: IsoTime,
  })
  .meta({ id: "Message" });

export const MessagesPage = pageOf(MessageView)
  .extend({ customer: CustomerView.optional() })
  .meta({ id: "MessagesPage" });

export type ConversationSummaryBody = z.input<typeof ConversationSummary>;
export type CustomerViewBody = z.input<typeof CustomerView>;
export type MessageViewBody = z.input<typeof MessageView>;

/** `POST /instagram/conversations/{conversationId}/read` path and (optional) body. */
export const ConversationReadPath = z.object({ conversationId: ConversationIdParam });
export const ConversationReadBody = z
  .object({
    upToMessageId: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe(
        "The newest message the person saw (`messageId` from the messages route). When a customer message " +
          "came after it, the request is stale and changes nothing. Absent: read up to the latest customer message.",
      ),
  })
  .meta({ id: "ConversationReadRequest" });

/** `POST /instagram/conversations/{conversationId}/typing` path and body. */
export const ConversationTypingPath = z.object({ conversationId: ConversationIdParam });
export const ConversationTypingBody = z
  .object({ on: z.boolean().describe("true: typing_on; false: typing_off") })
  .meta({ id: "ConversationTypingRequest" });
