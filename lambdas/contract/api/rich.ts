import * as z from "zod";
import { OUTBOUND_KINDS, OUTBOUND_STATUSES, QUICK_REPLY_TYPES, SEND_FAILURE_REASONS } from "../vocabulary";

/** An https URL Meta fetches or opens (Meta's pages: media and web_url buttons take URLs; https only, R9). */
const HttpsUrl = z.url({ protocol: /^https$/ }).max(2048);

/**
 * Quick replies, buttons and elements: shapes here; counts and lengths in Meta's units are checked at accept
 * against the one limits module (lambdas/domain/outbound/rich.ts), each refusal naming its field path.
 */
export const QuickReplyInput = z.strictObject({
  type: z.enum(QUICK_REPLY_TYPES).default("text").describe("text (default), phone or email"),
  title: z.string().min(1).optional().describe("Required for text; at most 20 characters"),
  payload: z.string().min(1).optional().describe("Echoed back when tapped; at most 1000 characters"),
});

export const TemplateButtonInput = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("web_url"), title: z.string().min(1), url: HttpsUrl }),
  z.strictObject({ type: z.literal("postback"), title: z.string().min(1), payload: z.string().min(1) }),
]);

export const GenericElementInput = z.strictObject({
  title: z.string().min(1),
  subtitle: z.string().min(1).optional(),
  imageUrl: HttpsUrl.optional(),
  defaultActionUrl: HttpsUrl.optional().describe("Opened when the card is tapped"),
  buttons: z.array(TemplateButtonInput).min(1).optional(),
});

export const TemplateInput = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("button"),
    text: z.string().min(1),
    buttons: z.array(TemplateButtonInput).min(1),
  }),
  z.strictObject({ type: z.literal("generic"), elements: z.array(GenericElementInput).min(1) }),
]);

/** One part of a message sent as several Meta messages (docs/outbound.md, "Parts"), in sending order. */
export const PartView = z
  .object({
    kind: z.enum(["attachment", "images"]).describe("One media, or several images in one Meta message"),
    media: z
      .number()
      .int()
      .positive()
      .describe("How many of the message's attachments, in order, it carries"),
    status: z.enum(OUTBOUND_STATUSES),
    mid: z.string().optional().describe("Meta's message id of this part once sent"),
    failureReason: z
      .enum(SEND_FAILURE_REASONS)
      .optional()
      .describe("previous_part_failed: an earlier part failed, so this one was never sent"),
  })
  .meta({ id: "MessagePart" });

/** How the messages route shows an outbound rich message: its kind and what it carried, as sent. */
export const RichView = z
  .object({
    kind: z.enum(OUTBOUND_KINDS),
    quickReplies: z
      .array(
        z.object({
          type: z.enum(QUICK_REPLY_TYPES),
          title: z.string().optional(),
          payload: z.string().optional(),
        }),
      )
      .optional(),
    replyToMessageId: z.string().optional().describe("The customer message this reply answers"),
    sticker: z.literal("like_heart").optional(),
    share: z.object({ postId: z.string() }).optional(),
    template: TemplateInput.optional().describe("The button or generic template with its buttons"),
    parts: z
      .array(PartView)
      .optional()
      .describe("kind `parts`: the Meta messages it was split into, in order, each with its status and mid"),
  })
  .meta({ id: "RichMessage" });
