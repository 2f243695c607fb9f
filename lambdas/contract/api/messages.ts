import * as z from "zod";
import {
  OUTBOUND_STATUSES,
  SEND_FAILURE_REASONS,
  SENDABLE_ATTACHMENT_TYPES,
  SENDABLE_REACTIONS,
} from "../vocabulary";
import { IsoTime, MetaId } from "./common";
import { ConversationIdParam } from "./conversations";
import { PartView, QuickReplyInput, TemplateInput } from "./rich";

/**
 * Meta's text limit for one Instagram message. Meta's send-message page states it as 1000 bytes in one place
 * and 1000 characters in another (docs/meta-simulator.md row 1); we count UTF-8 bytes, the stricter reading,
 * so nothing is accepted that Meta would refuse.
 */
export const MAX_TEXT_BYTES = 1000;

/** Text whose UTF-8 encoding fits Meta's limit; the error names the byte count. */
const MessageText = z
  .string()
  .min(1)
  .superRefine((text, ctx) => {
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > MAX_TEXT_BYTES) {
      ctx.addIssue({
        code: "custom",
        message: `Text is ${bytes} UTF-8 bytes; Meta accepts at most ${MAX_TEXT_BYTES}`,
      });
    }
  })
  .describe(`At most ${MAX_TEXT_BYTES} bytes in UTF-8 (an emoji counts 4)`);

export const OutboundAttachment = z.strictObject({
  type: z.enum(SENDABLE_ATTACHMENT_TYPES),
  url: z
    .url({ protocol: /^https$/ })
    .max(2048)
    .describe("https URL Meta fetches the media from"),
});

/** The content fields of a send body; exactly one of them per message. */
const CONTENT_FIELDS = ["text", "attachment", "attachments", "sticker", "share", "template"] as const;

/**
 * `POST /instagram/messages` body. Exactly one of `conversationId` / `recipientId`, and exactly one content
 * kind: `text` (optionally with `replyTo` and `quickReplies`), `attachment`, `attachments`, `sticker`, `share`
 * or `template`.
 */
export const MessageSendBody = z
  .strictObject({
    conversationId: ConversationIdParam.optional(),
    recipientId: MetaId.optional().describe("Customer IGSID of the caller's account"),
    text: MessageText.optional(),
    replyTo: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[A-Za-z0-9_-]+$/, "Not a message id")
      .optional()
      .describe("messageId of a customer message of this conversation to reply to (text only)"),
    quickReplies: z.array(QuickReplyInput).min(1).optional().describe("Text only; at most 13"),
    attachment: OutboundAttachment.optional(),
    attachments: z
      .array(OutboundAttachment)
      .min(1)
      .optional()
      .describe("One media, or up to 10 images in one message"),
    sticker: z.literal("like_heart").optional(),
    share: z
      .strictObject({ postId: MetaId.describe("A post of the connected account") })
      .optional()
      .describe("Sends a post of the account (MEDIA_SHARE)"),
    template: TemplateInput.optional(),
    tag: z.literal("HUMAN_AGENT").optional().describe("Only when enabled for the stage"),
  })
  .superRefine((body, ctx) => {
    if ((body.conversationId === undefined) === (body.recipientId === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["conversationId"],
        message: "Give exactly one of conversationId and recipientId",
      });
    }
    const given = CONTENT_FIELDS.filter((field) => body[field] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: [given[0] ?? "text"],
        message: `Give exactly one of ${CONTENT_FIELDS.join(", ")}`,
      });
    }
    for (const field of ["replyTo", "quickReplies"] as const) {
      if (body[field] !== undefined && body.text === undefined) {
        ctx.addIssue({ code: "custom", path: [field], message: `${field} goes with text only` });
      }
    }
  })
  .meta({
    id: "MessageSendRequest",
    description:
      "Exactly one of conversationId/recipientId and exactly one content kind (text, attachment, attachments, sticker, share, template).",
  });

/** Request headers of `POST /instagram/messages` (names lowercased, as HTTP API delivers them). */
export const MessageSendHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, "Printable ASCII without spaces")
    .optional()
    .describe("Same key + same body returns the same message; a different body: 422"),
});

export const OutboundStatusEnum = z.enum(OUTBOUND_STATUSES);

export const MessageAccepted = z
  .object({ messageId: z.string(), status: OutboundStatusEnum })
  .meta({ id: "MessageAccepted" });

/** `GET /instagram/messages/{messageId}` path. */
export const MessageGetPath = z.object({
  messageId: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[A-Za-z0-9_-]+$/, "Not a message id"),
});

export const MessageStatus = z
  .object({
    messageId: z.string(),
    conversationId: z.string(),
    status: OutboundStatusEnum,
    mid: z.string().optional().describe("Meta's message id once sent"),
    failureReason: z.enum(SEND_FAILURE_REASONS).optional(),
    acceptedAt: IsoTime,
    sentAt: IsoTime.optional(),
    parts: z
      .array(PartView)
      .optional()
      .describe("A message sent as several Meta messages: each part, in order (status sums them up)"),
  })
  .meta({ id: "MessageStatus" });

export type MessageStatusBody = z.input<typeof MessageStatus>;

/** `POST|DELETE /instagram/messages/{messageId}/reaction`: a customer message's id from the messages route. */
export const MessageReactionPath = MessageGetPath;
export const MessageReactionBody = z
  .strictObject({
    reaction: z.enum(SENDABLE_REACTIONS).describe("Meta's sender-actions page documents only `love`"),
  })
  .meta({ id: "MessageReactionRequest" });

/** `POST /instagram/attachments`: media to upload once and send many times by id (Facebook Login only). */
export const AttachmentUploadBody = OutboundAttachment.meta({ id: "AttachmentUploadRequest" });
export const AttachmentUploaded = z
  .object({ attachmentId: z.string().describe("Reusable in `attachments[].attachmentId`") })
  .meta({ id: "AttachmentUploaded" });
