import type { OutboundKind, QuickReplyType, SendableAttachmentType } from "../../contract/vocabulary";
import type { FieldError } from "../errors";
import type { PartRecord } from "./parts";

/*
 * Rich replies: what the app may send besides plain text, and the ONE place their limits live. Every number
 * names its Meta page (docs/outbound.md, "Kinds", and the simulator's rows R1–R11 in docs/meta-simulator.md,
 * which enforce the same numbers from the same citations). Where Meta documents no number, the stricter
 * reading is taken and docs/outbound.md says so: refusing can only make us send less than Meta would take.
 * Lengths are counted in Meta's unit: code points for titles ("characters"), UTF-8 bytes for message text.
 */
export const RICH_LIMITS = {
  /** Quick replies page (Instagram Login): "a maximum of 13 buttons" (R1). */
  quickReplies: 13,
  /** Quick replies page: title "up to 20 characters (will be truncated…)"; refused, never truncated (R2). */
  quickReplyTitle: 20,
  /** Messenger quick replies / postback button: payload "1000 character limit" (not on the Instagram pages). */
  payload: 1000,
  /** Send-message page: "one or more images" in one message; the maximum is not documented: 10 (R4). */
  images: 10,
  /** Attachments of one API message, split into parts or not: ours (each part takes a slot of the cap). */
  attachments: 10,
  /** Button template page: "up to three attached buttons"; also per generic element (R9, R11). */
  buttons: 3,
  /** Instagram Messaging button template: "UTF-8-encoded text of up to 640 characters" (R9). */
  buttonText: 640,
  /** Not documented for Instagram: Messenger's 20 (R10). */
  buttonTitle: 20,
  /** Messenger generic template: 10 elements, 80-character title and subtitle (R11). */
  elements: 10,
  elementTitle: 80,
  elementSubtitle: 80,
} as const;

export interface QuickReply {
  readonly type: QuickReplyType;
  readonly title?: string;
  readonly payload?: string;
}

export type TemplateButton =
  | { readonly type: "web_url"; readonly title: string; readonly url: string }
  | { readonly type: "postback"; readonly title: string; readonly payload: string };

export interface GenericElement {
  readonly title: string;
  readonly subtitle?: string;
  readonly imageUrl?: string;
  /** Opened when the card itself is tapped (a `web_url` default action, no title). */
  readonly defaultActionUrl?: string;
  readonly buttons?: readonly TemplateButton[];
}

export type Template =
  | { readonly type: "button"; readonly text: string; readonly buttons: readonly TemplateButton[] }
  | { readonly type: "generic"; readonly elements: readonly GenericElement[] };

/** What a stored outbound message carries beyond its text and media (`rich` on the message record). */
export interface RichRecord {
  readonly kind: OutboundKind;
  readonly quickReplies?: readonly QuickReply[];
  /** Our id of the customer message answered, and Meta's mid of it. */
  readonly replyTo?: { readonly messageId: string; readonly mid: string };
  readonly sticker?: "like_heart";
  readonly share?: { readonly postId: string };
  readonly template?: Template;
  /** A message in parts: each part's state, in order (lambdas/domain/outbound/parts.ts). */
  readonly parts?: readonly PartRecord[];
}

/** The content kinds of `POST /instagram/messages` beyond text (the validated body, field names as the API's). */
export interface RichInput {
  readonly text?: string;
  readonly quickReplies?: readonly QuickReply[];
  readonly replyTo?: string;
  readonly attachment?: { readonly type: SendableAttachmentType; readonly url: string };
  readonly attachments?: readonly { readonly type: SendableAttachmentType; readonly url: string }[];
  readonly sticker?: "like_heart";
  readonly share?: { readonly postId: string };
  readonly template?: Template;
}

const chars = (s: string) => [...s].length;

function lengthError(field: string, value: string | undefined, max: number): FieldError[] {
  if (value === undefined || chars(value) <= max) return [];
  return [{ field, message: `At most ${max} characters (Meta's limit); this has ${chars(value)}` }];
}

function countError(field: string, items: readonly unknown[] | undefined, max: number): FieldError[] {
  if (items === undefined || items.length <= max) return [];
  return [{ field, message: `At most ${max} (Meta's limit); this has ${items.length}` }];
}

function quickReplyErrors(replies: readonly QuickReply[]): FieldError[] {
  const errors = countError("body.quickReplies", replies, RICH_LIMITS.quickReplies);
  replies.forEach((reply, i) => {
    const at = `body.quickReplies.${i}`;
    if (reply.type === "text") {
      if (reply.title === undefined)
        errors.push({ field: `${at}.title`, message: "A text quick reply needs a title" });
      errors.push(...lengthError(`${at}.title`, reply.title, RICH_LIMITS.quickReplyTitle));
      errors.push(...lengthError(`${at}.payload`, reply.payload, RICH_LIMITS.payload));
    } else if (reply.title !== undefined || reply.payload !== undefined) {
      // Meta fills the customer's phone number or email itself; a title or payload would be ignored or refused.
      errors.push({ field: at, message: `A ${reply.type} quick reply has no title or payload` });
    }
  });
  return errors;
}

function buttonErrors(at: string, buttons: readonly TemplateButton[]): FieldError[] {
  const errors = countError(at, buttons, RICH_LIMITS.buttons);
  buttons.forEach((button, i) => {
    errors.push(...lengthError(`${at}.${i}.title`, button.title, RICH_LIMITS.buttonTitle));
    if (button.type === "postback") {
      errors.push(...lengthError(`${at}.${i}.payload`, button.payload, RICH_LIMITS.payload));
    }
  });
  return errors;
}

function templateErrors(template: Template): FieldError[] {
  if (template.type === "button") {
    return [
      ...lengthError("body.template.text", template.text, RICH_LIMITS.buttonText),
      ...buttonErrors("body.template.buttons", template.buttons),
    ];
  }
  const errors = countError("body.template.elements", template.elements, RICH_LIMITS.elements);
  template.elements.forEach((element, i) => {
    const at = `body.template.elements.${i}`;
    errors.push(...lengthError(`${at}.title`, element.title, RICH_LIMITS.elementTitle));
    errors.push(...lengthError(`${at}.subtitle`, element.subtitle, RICH_LIMITS.elementSubtitle));
    if (element.buttons !== undefined) errors.push(...buttonErrors(`${at}.buttons`, element.buttons));
  });
  return errors;
}

function attachmentsErrors(list: readonly { readonly type: SendableAttachmentType }[]): FieldError[] {
  // Several media that Meta cannot take as one message are sent as consecutive parts (parts.ts), not refused.
  return countError("body.attachments", list, RICH_LIMITS.attachments);
}

/**
 * Every documented limit a rich body breaks, each naming its field path as the request validator does
 * (`body.…`). Empty when Meta's documented rules would take it. Shapes, kinds and URL schemes are checked
 * before this, by the API schema (lambdas/contract/api/messages.ts).
 */
export function richLimitErrors(input: RichInput): FieldError[] {
  return [
    ...(input.quickReplies === undefined ? [] : quickReplyErrors(input.quickReplies)),
    ...(input.attachments === undefined ? [] : attachmentsErrors(input.attachments)),
    ...(input.template === undefined ? [] : templateErrors(input.template)),
  ];
}
