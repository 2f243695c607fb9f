import type { ResolveAttachment } from "./attachment-uploads";
import { type GraphError, GraphErrors } from "./graph-errors";
import { TEXT_LIMIT_BYTES } from "./model";

/*
 * The Send API's rich message shapes on graph.instagram.com (`POST /<IG_ID>/messages`), validated against the
 * limits on Meta's Instagram Platform pages. Each rule names its row in docs/meta-simulator.md ("Rich
 * messages"); where Meta documents no number, the stricter reading is taken and the row says so.
 */

/** Documented limits (docs/meta-simulator.md, rich messages table). */
export const RICH_LIMITS = {
  /** Quick replies page (IGL): "a maximum of 13 buttons". */
  quickReplies: 13,
  /** Quick replies page (IGL): text "up to 20 characters (will be truncated…)"; refused here, never truncated. */
  quickReplyTitle: 20,
  /** Not documented: images per `attachments` message (send-message says "one or more images"). */
  images: 10,
  /** Button template page (IGL): "up to three attached buttons"; also per generic element. */
  buttons: 3,
  /** Instagram Messaging button template: text "UTF-8-encoded text of up to 640 characters". */
  buttonText: 640,
  /** Not documented for Instagram: button titles, Messenger's 20 chosen. */
  buttonTitle: 20,
  /** Messenger generic template (the Instagram page shows the shape only): 10 elements, 80-character title and subtitle. */
  elements: 10,
  elementTitle: 80,
  elementSubtitle: 80,
} as const;

export const QUICK_REPLY_KINDS = ["text", "user_phone_number", "user_email"] as const;

export interface QuickReply {
  readonly content_type: (typeof QUICK_REPLY_KINDS)[number];
  readonly title?: string;
  readonly payload?: string;
}
export type Button =
  | { readonly type: "web_url"; readonly title: string; readonly url: string }
  | { readonly type: "postback"; readonly title: string; readonly payload: string };
export interface GenericElement {
  readonly title: string;
  readonly subtitle?: string;
  readonly image_url?: string;
  readonly default_action?: { readonly type: "web_url"; readonly url: string };
  readonly buttons?: readonly Button[];
}

/** One accepted rich message, as the customer sees it. */
export type RichContent =
  | {
      readonly kind: "text";
      readonly text: string;
      readonly quickReplies?: readonly QuickReply[];
      readonly replyTo?: string;
    }
  | { readonly kind: "images"; readonly urls: readonly string[] }
  | {
      readonly kind: "saved_attachment";
      readonly attachmentId: string;
      readonly type: string;
      readonly url: string;
    }
  | { readonly kind: "sticker"; readonly sticker: "like_heart" }
  | { readonly kind: "share"; readonly postId: string }
  | { readonly kind: "button_template"; readonly text: string; readonly buttons: readonly Button[] }
  | { readonly kind: "generic_template"; readonly elements: readonly GenericElement[] };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const chars = (s: string) => [...s].length;
const isHttps = (v: unknown): v is string => {
  if (typeof v !== "string") return false;
  try {
    return new URL(v).protocol === "https:";
  } catch {
    return false;
  }
};
const bad = (field: string, rule: string): GraphError =>
  GraphErrors.invalidParameter(`Param ${field} ${rule}`);

/** A message body this module handles (anything else stays on the plain text / single attachment path). */
export function isRichMessage(message: unknown): boolean {
  if (!isObj(message)) return false;
  if ("quick_replies" in message || "reply_to" in message || "attachments" in message) return true;
  const a = message.attachment;
  if (!isObj(a)) return false;
  return (
    a.type === "template" ||
    a.type === "MEDIA_SHARE" ||
    a.type === "like_heart" ||
    (isObj(a.payload) && "attachment_id" in a.payload)
  );
}

function checkString(v: unknown, field: string, max: number, required = true): GraphError | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== "string" || v.length === 0) return bad(field, "must be a non-empty string");
  if (chars(v) > max) return bad(field, `must be at most ${max} characters`);
  return undefined;
}

function checkButtons(v: unknown, field: string, min: number): GraphError | undefined {
  if (!Array.isArray(v) || v.length < min) return bad(field, `must be an array of ${min} to 3 buttons`);
  if (v.length > RICH_LIMITS.buttons) return bad(field, `must have at most ${RICH_LIMITS.buttons} buttons`);
  for (const [i, b] of v.entries()) {
    const f = `${field}[${i}]`;
    if (!isObj(b)) return bad(f, "must be a button object");
    const title = checkString(b.title, `${f}[title]`, RICH_LIMITS.buttonTitle);
    if (title !== undefined) return title;
    if (b.type === "web_url") {
      if (!isHttps(b.url)) return bad(`${f}[url]`, "must be an https URL");
    } else if (b.type === "postback") {
      if (typeof b.payload !== "string" || b.payload === "")
        return bad(`${f}[payload]`, "must be a non-empty string");
    } else {
      return bad(`${f}[type]`, "must be one of {web_url, postback}");
    }
  }
  return undefined;
}

function checkText(message: Obj): RichContent | GraphError {
  const { text, quick_replies: qr, reply_to: replyTo } = message;
  if (typeof text !== "string" || text === "") return bad("message[text]", "must be a non-empty string");
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > TEXT_LIMIT_BYTES) return GraphErrors.textTooLong(bytes, TEXT_LIMIT_BYTES);
  if (qr !== undefined) {
    if (!Array.isArray(qr) || qr.length === 0)
      return bad("message[quick_replies]", "must be a non-empty array");
    if (qr.length > RICH_LIMITS.quickReplies) {
      return bad("message[quick_replies]", `must have at most ${RICH_LIMITS.quickReplies} quick replies`);
    }
    for (const [i, q] of qr.entries()) {
      const f = `message[quick_replies][${i}]`;
      if (!isObj(q) || !(QUICK_REPLY_KINDS as readonly unknown[]).includes(q.content_type)) {
        return bad(`${f}[content_type]`, `must be one of {${QUICK_REPLY_KINDS.join(", ")}}`);
      }
      if (q.content_type === "text") {
        const title = checkString(q.title, `${f}[title]`, RICH_LIMITS.quickReplyTitle);
        if (title !== undefined) return title;
        if (q.payload !== undefined && typeof q.payload !== "string")
          return bad(`${f}[payload]`, "must be a string");
      }
    }
  }
  if (replyTo !== undefined && (!isObj(replyTo) || typeof replyTo.mid !== "string" || replyTo.mid === "")) {
    return bad("message[reply_to][mid]", "must be a message id");
  }
  const extra = Object.keys(message).find((k) => !["text", "quick_replies", "reply_to"].includes(k));
  if (extra !== undefined) return bad(`message[${extra}]`, "cannot be combined with text");
  return {
    kind: "text",
    text,
    ...(qr === undefined ? {} : { quickReplies: qr as QuickReply[] }),
    ...(isObj(replyTo) ? { replyTo: replyTo.mid as string } : {}),
  };
}

function checkImages(list: unknown): RichContent | GraphError {
  if (!Array.isArray(list) || list.length === 0)
    return bad("message[attachments]", "must be a non-empty array");
  if (list.length > RICH_LIMITS.images) {
    return bad("message[attachments]", `must have at most ${RICH_LIMITS.images} images`);
  }
  const urls: string[] = [];
  for (const [i, a] of list.entries()) {
    const f = `message[attachments][${i}]`;
    if (!isObj(a) || a.type !== "image")
      return bad(`${f}[type]`, "must be image (only images can be sent together)");
    if (!isObj(a.payload) || !isHttps(a.payload.url))
      return bad(`${f}[payload][url]`, "must be an https URL");
    urls.push(a.payload.url);
  }
  return { kind: "images", urls };
}

function checkTemplate(payload: unknown): RichContent | GraphError {
  const f = "message[attachment][payload]";
  if (!isObj(payload)) return bad(f, "must be an object");
  if (payload.template_type === "button") {
    const text = checkString(payload.text, `${f}[text]`, RICH_LIMITS.buttonText);
    if (text !== undefined) return text;
    const buttons = checkButtons(payload.buttons, `${f}[buttons]`, 1);
    if (buttons !== undefined) return buttons;
    return { kind: "button_template", text: payload.text as string, buttons: payload.buttons as Button[] };
  }
  if (payload.template_type !== "generic")
    return bad(`${f}[template_type]`, "must be one of {button, generic}");
  const elements = payload.elements;
  if (!Array.isArray(elements) || elements.length === 0)
    return bad(`${f}[elements]`, "must be a non-empty array");
  if (elements.length > RICH_LIMITS.elements) {
    return bad(`${f}[elements]`, `must have at most ${RICH_LIMITS.elements} elements`);
  }
  for (const [i, e] of elements.entries()) {
    const ef = `${f}[elements][${i}]`;
    if (!isObj(e)) return bad(ef, "must be an element object");
    const problem =
      checkString(e.title, `${ef}[title]`, RICH_LIMITS.elementTitle) ??
      checkString(e.subtitle, `${ef}[subtitle]`, RICH_LIMITS.elementSubtitle, false) ??
      (e.image_url === undefined || isHttps(e.image_url)
        ? undefined
        : bad(`${ef}[image_url]`, "must be an https URL")) ??
      (e.default_action === undefined ||
      (isObj(e.default_action) &&
        e.default_action.type === "web_url" &&
        isHttps(e.default_action.url) &&
        !("title" in e.default_action))
        ? undefined
        : bad(`${ef}[default_action]`, "must be a web_url action with an https url and no title")) ??
      (e.buttons === undefined ? undefined : checkButtons(e.buttons, `${ef}[buttons]`, 1));
    if (problem !== undefined) return problem;
  }
  return { kind: "generic_template", elements: elements as GenericElement[] };
}

/**
 * Validates a rich `message`; the first broken rule answers Graph's 100 naming the field. `resolve` is the
 * sending Page's attachment ids (graph.facebook.com); without it (graph.instagram.com) `attachment_id` is refused.
 */
export function validateRichMessage(message: unknown, resolve?: ResolveAttachment): RichContent | GraphError {
  if (!isObj(message)) return bad("message", "must be an object");
  if ("text" in message) return checkText(message);
  if ("quick_replies" in message || "reply_to" in message) return bad("message[text]", "is required");
  if ("attachments" in message) {
    if ("attachment" in message) return bad("message[attachments]", "cannot be combined with attachment");
    return checkImages(message.attachments);
  }
  const a = message.attachment;
  if (!isObj(a)) return bad("message[attachment]", "must be an object");
  if (isObj(a.payload) && "attachment_id" in a.payload) {
    // Meta documents attachment upload (and so attachment_id) only for a Page (`/<PAGE_ID>/message_attachments`, R8).
    if (resolve === undefined) {
      return bad("message[attachment][payload][attachment_id]", "is not available with Instagram Login");
    }
    const id = a.payload.attachment_id;
    if (typeof id !== "string" || id === "" || Object.keys(a.payload).length !== 1) {
      return bad("message[attachment][payload]", "must be {attachment_id} alone");
    }
    const found = resolve(id, a.type);
    if ("status" in found) return found;
    return { kind: "saved_attachment", attachmentId: id, type: found.type, url: found.url };
  }
  if (a.type === "like_heart") {
    return "payload" in a
      ? bad("message[attachment][payload]", "is not allowed for like_heart")
      : { kind: "sticker", sticker: "like_heart" };
  }
  if (a.type === "MEDIA_SHARE") {
    if (!isObj(a.payload) || typeof a.payload.id !== "string" || a.payload.id === "") {
      return bad("message[attachment][payload][id]", "must be the id of a post");
    }
    return { kind: "share", postId: a.payload.id };
  }
  return checkTemplate(a.payload);
}

/** The `message` of the echo Meta delivers for an accepted rich send (same `mid`). */
export function echoMessageOf(mid: string, content: RichContent): Record<string, unknown> {
  const message: Record<string, unknown> = { mid };
  switch (content.kind) {
    case "text":
      message.text = content.text;
      if (content.replyTo !== undefined) message.reply_to = { mid: content.replyTo };
      break;
    case "images":
      message.attachments = content.urls.map((url) => ({ type: "image", payload: { url } }));
      break;
    case "saved_attachment":
      message.attachments = [{ type: content.type, payload: { url: content.url } }];
      break;
    case "sticker":
      message.attachments = [{ type: "like_heart" }];
      break;
    case "share":
      message.attachments = [{ type: "share", payload: { id: content.postId } }];
      break;
    case "button_template":
      message.attachments = [
        {
          type: "template",
          payload: { template_type: "button", text: content.text, buttons: content.buttons },
        },
      ];
      break;
    case "generic_template":
      message.attachments = [
        { type: "template", payload: { template_type: "generic", elements: content.elements } },
      ];
      break;
  }
  message.is_echo = true;
  return message;
}
