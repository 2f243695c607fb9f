import type { OutboundContent, SendRequest } from "../../domain/outbound/ports";
import type { GenericElement, QuickReply, TemplateButton } from "../../domain/outbound/rich";

/*
 * What Meta's Send API is told, per kind (docs/outbound.md, "Kinds", with each body's Meta page). Only the
 * body: where it is sent and with which token (graph.instagram.com + IG id + Instagram token today, a Page
 * and its token for Facebook Login) is the caller's business, so both flavours share these bodies.
 */

/** Quick replies page: the API's `phone`/`email` are Meta's `user_phone_number`/`user_email`. */
function quickReply(reply: QuickReply): Record<string, unknown> {
  if (reply.type === "phone") return { content_type: "user_phone_number" };
  if (reply.type === "email") return { content_type: "user_email" };
  return {
    content_type: "text",
    title: reply.title,
    ...(reply.payload === undefined ? {} : { payload: reply.payload }),
  };
}

/** Button template page: a `web_url` with `url`, or a `postback` with `payload`, each titled. */
function button(b: TemplateButton): Record<string, unknown> {
  return b.type === "web_url"
    ? { type: "web_url", url: b.url, title: b.title }
    : { type: "postback", title: b.title, payload: b.payload };
}

/** Generic template page: title, subtitle, image_url, default_action (a web_url without title), buttons. */
function element(e: GenericElement): Record<string, unknown> {
  return {
    title: e.title,
    ...(e.subtitle === undefined ? {} : { subtitle: e.subtitle }),
    ...(e.imageUrl === undefined ? {} : { image_url: e.imageUrl }),
    ...(e.defaultActionUrl === undefined
      ? {}
      : { default_action: { type: "web_url", url: e.defaultActionUrl } }),
    ...(e.buttons === undefined ? {} : { buttons: e.buttons.map(button) }),
  };
}

/** Meta's `message` object for one outbound content. */
export function messageObject(content: OutboundContent): Record<string, unknown> {
  if ("text" in content) {
    return {
      text: content.text,
      ...(content.quickReplies === undefined ? {} : { quick_replies: content.quickReplies.map(quickReply) }),
      // Webhooks document `reply_to.mid` on messages; the same shape is what a reply sends (R6).
      ...(content.replyTo === undefined ? {} : { reply_to: { mid: content.replyTo.mid } }),
    };
  }
  if ("attachment" in content) {
    return { attachment: { type: content.attachment.type, payload: { url: content.attachment.url } } };
  }
  if ("images" in content) {
    // Send-message page: one or more images in one message, as an `attachments` array (R4).
    return { attachments: content.images.map((url) => ({ type: "image", payload: { url } })) };
  }
  if ("sticker" in content) return { attachment: { type: content.sticker } };
  if ("share" in content)
    return { attachment: { type: "MEDIA_SHARE", payload: { id: content.share.postId } } };
  // Never reaches Meta as such: the queue carries its parts, each an `attachment` or `images` (parts.ts).
  if ("media" in content) throw new Error("A message in parts is sent part by part");
  const { template } = content;
  const payload =
    template.type === "button"
      ? { template_type: "button", text: template.text, buttons: template.buttons.map(button) }
      : { template_type: "generic", elements: template.elements.map(element) };
  return { attachment: { type: "template", payload } };
}

/** The Send API body of shared/reference/graph-responses.md §1.7: recipient, optional tag, the message. */
export function sendBody(request: SendRequest): Record<string, unknown> {
  return {
    recipient: { id: request.recipientId },
    ...(request.tag === "HUMAN_AGENT" ? { messaging_type: "MESSAGE_TAG", tag: "HUMAN_AGENT" } : {}),
    message: messageObject(request.content),
  };
}
