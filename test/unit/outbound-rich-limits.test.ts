import { describe, expect, it } from "vitest";
import { MessageSendBody } from "../../lambdas/contract/api/messages";
import { ValidationError } from "../../lambdas/domain/errors";
import { RICH_LIMITS, richLimitErrors } from "../../lambdas/domain/outbound/rich";
import { parseWith } from "../../lambdas/http/request";

/*
 * One row per documented limit (docs/outbound.md, "Kinds"): the body just over it is refused with the field
 * path, the body at it passes. Shapes (schema) and limits (domain) are both run, as accept runs them.
 */
const to = "3416870925138842";
const chars = (n: number) => "é".repeat(n); // 1 character, 2 UTF-8 bytes: proves titles count characters
const qr = (n: number, title = "Yes") => Array.from({ length: n }, (_, i) => ({ title, payload: `P${i}` }));
const pb = (n: number, title = "Yes", payload = "P") =>
  Array.from({ length: n }, () => ({ type: "postback", title, payload }));
const img = (n: number, type = "image") =>
  Array.from({ length: n }, (_, i) => ({ type, url: `https://cdn.example/${i}.jpg` }));
const el = (n: number, e: Record<string, unknown> = {}) =>
  Array.from({ length: n }, () => ({ title: "Card", ...e }));

/** Runs the schema, then the limits, as acceptMessage does; returns the field paths refused. */
function refused(body: Record<string, unknown>): string[] {
  try {
    const input = parseWith(MessageSendBody, { recipientId: to, ...body }, "body");
    return richLimitErrors(input).map((e) => e.field);
  } catch (error) {
    if (error instanceof ValidationError) return error.fields.map((f) => f.field);
    throw error;
  }
}

const L = RICH_LIMITS;
const LIMITS: [string, Record<string, unknown>, Record<string, unknown>, string][] = [
  [
    "quick replies count (13)",
    { text: "t", quickReplies: qr(L.quickReplies) },
    { text: "t", quickReplies: qr(L.quickReplies + 1) },
    "body.quickReplies",
  ],
  [
    "quick reply title (20 characters)",
    { text: "t", quickReplies: qr(1, chars(20)) },
    { text: "t", quickReplies: qr(1, chars(21)) },
    "body.quickReplies.0.title",
  ],
  [
    "quick reply payload (1000 characters)",
    { text: "t", quickReplies: [{ title: "a", payload: chars(1000) }] },
    { text: "t", quickReplies: [{ title: "a", payload: chars(1001) }] },
    "body.quickReplies.0.payload",
  ],
  [
    "text quick reply needs a title",
    { text: "t", quickReplies: [{ type: "phone" }] },
    { text: "t", quickReplies: [{ payload: "x" }] },
    "body.quickReplies.0.title",
  ],
  [
    "phone/email quick replies carry no title",
    { text: "t", quickReplies: [{ type: "email" }] },
    { text: "t", quickReplies: [{ type: "email", title: "x" }] },
    "body.quickReplies.0",
  ],
  [
    "quick replies only with text",
    { text: "t", quickReplies: qr(1) },
    { sticker: "like_heart", quickReplies: qr(1) },
    "body.quickReplies",
  ],
  [
    "replyTo only with text",
    { text: "t", replyTo: "m1" },
    { sticker: "like_heart", replyTo: "m1" },
    "body.replyTo",
  ],
  ["text bytes (1000 UTF-8 bytes)", { text: chars(500) }, { text: `${chars(500)}x` }, "body.text"],
  [
    "images in one message (10)",
    { attachments: img(L.images) },
    { attachments: img(L.images + 1) },
    "body.attachments",
  ],
  [
    "attachments of a message in parts (10: each part takes a cap slot)",
    { attachments: [...img(L.attachments - 1), ...img(1, "video")] },
    { attachments: [...img(L.attachments), ...img(1, "video")] },
    "body.attachments",
  ],
  [
    "media URL scheme (https)",
    { attachments: img(1) },
    { attachments: [{ type: "image", url: "http://cdn.example/a.jpg" }] },
    "body.attachments.0.url",
  ],
  ["sticker kind (like_heart only)", { sticker: "like_heart" }, { sticker: "thumbs_up" }, "body.sticker"],
  [
    "button template text (640 characters)",
    { template: { type: "button", text: chars(640), buttons: pb(1) } },
    { template: { type: "button", text: chars(641), buttons: pb(1) } },
    "body.template.text",
  ],
  [
    "buttons count (3)",
    { template: { type: "button", text: "t", buttons: pb(3) } },
    { template: { type: "button", text: "t", buttons: pb(4) } },
    "body.template.buttons",
  ],
  [
    "button title (20 characters)",
    { template: { type: "button", text: "t", buttons: pb(1, chars(20)) } },
    { template: { type: "button", text: "t", buttons: pb(1, chars(21)) } },
    "body.template.buttons.0.title",
  ],
  [
    "postback payload (1000 characters)",
    { template: { type: "button", text: "t", buttons: pb(1, "a", chars(1000)) } },
    { template: { type: "button", text: "t", buttons: pb(1, "a", chars(1001)) } },
    "body.template.buttons.0.payload",
  ],
  [
    "button kinds (web_url, postback)",
    {
      template: {
        type: "button",
        text: "t",
        buttons: [{ type: "web_url", title: "a", url: "https://x.example" }],
      },
    },
    {
      template: { type: "button", text: "t", buttons: [{ type: "phone_number", title: "a", payload: "+1" }] },
    },
    "body.template.buttons.0.type",
  ],
  [
    "web_url button scheme (https)",
    {
      template: {
        type: "button",
        text: "t",
        buttons: [{ type: "web_url", title: "a", url: "https://x.example" }],
      },
    },
    {
      template: {
        type: "button",
        text: "t",
        buttons: [{ type: "web_url", title: "a", url: "javascript:alert(1)" }],
      },
    },
    "body.template.buttons.0.url",
  ],
  [
    "generic elements count (10)",
    { template: { type: "generic", elements: el(L.elements) } },
    { template: { type: "generic", elements: el(L.elements + 1) } },
    "body.template.elements",
  ],
  [
    "element title (80 characters)",
    { template: { type: "generic", elements: [{ title: chars(80) }] } },
    { template: { type: "generic", elements: [{ title: chars(81) }] } },
    "body.template.elements.0.title",
  ],
  [
    "element subtitle (80 characters)",
    { template: { type: "generic", elements: el(1, { subtitle: chars(80) }) } },
    { template: { type: "generic", elements: el(1, { subtitle: chars(81) }) } },
    "body.template.elements.0.subtitle",
  ],
  [
    "element buttons count (3)",
    { template: { type: "generic", elements: el(1, { buttons: pb(3) }) } },
    { template: { type: "generic", elements: el(1, { buttons: pb(4) }) } },
    "body.template.elements.0.buttons",
  ],
  [
    "element image scheme (https)",
    { template: { type: "generic", elements: el(1, { imageUrl: "https://cdn.example/a.jpg" }) } },
    { template: { type: "generic", elements: el(1, { imageUrl: "http://cdn.example/a.jpg" }) } },
    "body.template.elements.0.imageUrl",
  ],
  [
    "default action scheme (https)",
    { template: { type: "generic", elements: el(1, { defaultActionUrl: "https://x.example" }) } },
    { template: { type: "generic", elements: el(1, { defaultActionUrl: "ftp://x.example" }) } },
    "body.template.elements.0.defaultActionUrl",
  ],
  [
    "exactly one content kind",
    { share: { postId: "1801" } },
    { share: { postId: "1801" }, sticker: "like_heart" },
    "body.sticker",
  ],
];

describe("rich reply limits at accept (one row per documented limit)", () => {
  it.each(LIMITS)("%s", (_name, atLimit, overLimit, field) => {
    expect(refused(atLimit)).toEqual([]);
    expect(refused(overLimit)).toContain(field);
  });

  it("every refusal names its field and the limit; several broken limits are all listed", () => {
    const errors = richLimitErrors({
      text: "t",
      quickReplies: [
        { type: "text", title: chars(21) },
        ...qr(13).map((q) => ({ type: "text" as const, ...q })),
      ],
    });
    expect(errors).toEqual([
      { field: "body.quickReplies", message: "At most 13 (Meta's limit); this has 14" },
      { field: "body.quickReplies.0.title", message: "At most 20 characters (Meta's limit); this has 21" },
    ]);
  });
});
