import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { signMetaBody } from "../../dev/meta-simulator/index";
import { FAKE } from "../support/fake-secrets";
import { call, DAY, type Harness, IG_ID, OTHER_IG_ID, startHarness } from "./meta-simulator-harness";

/* Rich Send API messages (docs/meta-simulator.md, "Rich messages"): each kind accepted, each limit refused. */

let h: Harness | undefined;
let receiver: Server | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await new Promise<void>((resolve) =>
    receiver === undefined ? resolve() : receiver.close(() => resolve()),
  );
  receiver = undefined;
});

const CUSTOMER = "3416870925138842";
const OTHER_CUSTOMER = "3416870925138001";
const send = (token: string, message: unknown, recipient = CUSTOMER, path = "/v25.0/me/messages") =>
  call(h?.sim as Harness["sim"], token, path, { json: { recipient: { id: recipient }, message } });
const chars = (n: number) => "x".repeat(n);
const https = "https://shop.example/p/1";

/** Documented request bodies, one per kind (Instagram Platform messaging pages). */
const KINDS: [string, string, Record<string, unknown>][] = [
  [
    "text with quick replies of all three kinds",
    "text",
    {
      text: "Which size?",
      quick_replies: [
        { content_type: "text", title: "Small", payload: "SIZE_S" },
        { content_type: "text", title: "Large", payload: "SIZE_L" },
        { content_type: "user_phone_number" },
        { content_type: "user_email" },
      ],
    },
  ],
  [
    "several images",
    "images",
    {
      attachments: [
        { type: "image", payload: { url: "https://cdn.example/a.jpg" } },
        { type: "image", payload: { url: "https://cdn.example/b.png" } },
      ],
    },
  ],
  ["the like_heart sticker", "sticker", { attachment: { type: "like_heart" } }],
  [
    "a post (MEDIA_SHARE)",
    "share",
    { attachment: { type: "MEDIA_SHARE", payload: { id: "18012345678901234" } } },
  ],
  [
    "a button template",
    "button_template",
    {
      attachment: {
        type: "template",
        payload: {
          template_type: "button",
          text: "What can we do to help?",
          buttons: [
            { type: "web_url", url: "https://shop.example", title: "Visit our website" },
            { type: "postback", title: "Book it", payload: "BOOK" },
          ],
        },
      },
    },
  ],
  [
    "a generic template",
    "generic_template",
    {
      attachment: {
        type: "template",
        payload: {
          template_type: "generic",
          elements: [
            {
              title: "Linen shirt",
              image_url: "https://cdn.example/shirt.jpg",
              subtitle: "Made to measure",
              default_action: { type: "web_url", url: https },
              buttons: [
                { type: "web_url", url: https, title: "View" },
                { type: "postback", title: "Buy", payload: "BUY_SHIRT" },
              ],
            },
            { title: "Linen trousers", subtitle: "Wide leg" },
          ],
        },
      },
    },
  ],
];

describe("rich messages accepted with the documented body", () => {
  it.each(KINDS)("%s", async (_name, kind, message) => {
    h = await startHarness();
    const token = h.sim.issueToken();
    h.sim.openWindow({ igsid: CUSTOMER });
    const res = await send(token, message, CUSTOMER, `/v25.0/${IG_ID}/messages`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ recipient_id: CUSTOMER, message_id: expect.any(String) });
    expect(h.sim.requests().at(-1)?.json).toEqual({ recipient: { id: CUSTOMER }, message });
    const [sent] = h.sim.sentMessages();
    expect(sent?.messageId).toBe(res.body.message_id);
    expect(sent?.rich?.kind).toBe(kind);
    const seen = h.sim.customerView({ igsid: CUSTOMER });
    expect(seen).toEqual([{ mid: res.body.message_id, at: h.clock, content: sent?.rich }]);
    expect(h.sim.customerView({ igsid: OTHER_CUSTOMER })).toEqual([]);
  });

  it("reply_to: a message of this conversation is accepted, another customer's is refused", async () => {
    h = await startHarness({ webhookUrl: undefined });
    const token = h.sim.issueToken();
    const own = await h.sim.sendCustomerMessage({ igsid: CUSTOMER, text: "Is it in stock?" });
    const foreign = await h.sim.sendCustomerMessage({ igsid: OTHER_CUSTOMER, text: "Hello" });
    const ok = await send(token, { text: "Yes, in stock", reply_to: { mid: own.mid } });
    expect(ok.status).toBe(200);
    expect(h.sim.sentMessages()[0]?.rich).toEqual({ kind: "text", text: "Yes, in stock", replyTo: own.mid });
    const refused = await send(token, { text: "Yes", reply_to: { mid: foreign.mid } });
    expect(refused.error?.code).toBe(100);
    expect(refused.error?.message).toContain("message[reply_to][mid]");
    expect(h.sim.sentMessages()).toHaveLength(1);
  });

  it("keeps the plain send's envelope rules: an unknown tag or messaging_type is refused", async () => {
    h = await startHarness();
    const token = h.sim.issueToken();
    h.sim.openWindow({ igsid: CUSTOMER });
    const sticker = { attachment: { type: "like_heart" } };
    const envelope = (extra: Record<string, unknown>) =>
      call(h?.sim as Harness["sim"], token, "/v25.0/me/messages", {
        json: { recipient: { id: CUSTOMER }, message: sticker, ...extra },
      });
    expect((await envelope({ tag: "CONFIRMED_EVENT_UPDATE" })).error?.message).toContain("[tag]");
    expect((await envelope({ messaging_type: "PROMO" })).error?.message).toContain("[messaging_type]");
    expect((await envelope({ messaging_type: "RESPONSE" })).status).toBe(200);
    expect(h.sim.sentMessages()).toHaveLength(1);
  });

  it("MEDIA_SHARE: with a post registry, only the sending account's own posts", async () => {
    h = await startHarness({ posts: { "18000000000000001": IG_ID, "18000000000000002": OTHER_IG_ID } });
    const token = h.sim.issueToken();
    h.sim.openWindow({ igsid: CUSTOMER });
    const share = (id: string) => send(token, { attachment: { type: "MEDIA_SHARE", payload: { id } } });
    expect((await share("18000000000000001")).status).toBe(200);
    expect((await share("18000000000000002")).error?.message).toContain("message[attachment][payload][id]");
    expect((await share("18000000000000099")).error?.code).toBe(100);
    expect(h.sim.sentMessages()).toHaveLength(1);
  });

  it("rich sends keep the window, the media registry and the hourly cap", async () => {
    h = await startHarness({
      sendCapPerHour: 2,
      media: { "https://cdn.example/a.jpg": { contentType: "image/jpeg", bytes: 1000 } },
    });
    const token = h.sim.issueToken();
    const sticker = { attachment: { type: "like_heart" } };
    expect((await send(token, sticker)).error).toMatchObject({ code: 10, subcode: 2534022 });
    h.sim.openWindow({ igsid: CUSTOMER });
    const images = (second: string) => ({
      attachments: [
        { type: "image", payload: { url: "https://cdn.example/a.jpg" } },
        { type: "image", payload: { url: second } },
      ],
    });
    expect((await send(token, images("https://cdn.example/gone.jpg"))).error?.message).toContain(
      "Failed to fetch",
    );
    expect((await send(token, images("https://cdn.example/a.jpg"))).status).toBe(200);
    expect((await send(token, sticker)).status).toBe(200);
    expect((await send(token, sticker)).error?.code).toBe(613);
    expect(h.sim.sentMessages()).toHaveLength(2);
  });
});

const template = (payload: Record<string, unknown>) => ({ attachment: { type: "template", payload } });
const buttonTemplate = (buttons: unknown[], text = "Pick one") =>
  template({ template_type: "button", text, buttons });
const postback = (title = "Yes", payload = "YES") => ({ type: "postback", title, payload });
const generic = (elements: unknown[]) => template({ template_type: "generic", elements });
const qr = (title: string) => ({ content_type: "text", title, payload: "P" });

/** One case per documented (or chosen, see the table) limit: body, the field the error must name. */
const LIMITS: [string, unknown, string][] = [
  [
    "14 quick replies",
    { text: "Hi", quick_replies: Array.from({ length: 14 }, () => qr("A")) },
    "message[quick_replies]",
  ],
  [
    "a quick reply title of 21 characters",
    { text: "Hi", quick_replies: [qr(chars(21))] },
    "[quick_replies][0][title]",
  ],
  [
    "an unknown quick reply kind",
    { text: "Hi", quick_replies: [{ content_type: "location" }] },
    "[content_type]",
  ],
  ["quick replies without text", { quick_replies: [qr("A")] }, "message[text]"],
  [
    "text over 1000 UTF-8 bytes with quick replies",
    { text: "é".repeat(501), quick_replies: [qr("A")] },
    "bytes",
  ],
  [
    "11 images",
    {
      attachments: Array.from({ length: 11 }, () => ({
        type: "image",
        payload: { url: "https://cdn.example/a.jpg" },
      })),
    },
    "message[attachments]",
  ],
  [
    "a video among several attachments",
    { attachments: [{ type: "video", payload: { url: https } }] },
    "[0][type]",
  ],
  [
    "an http image URL",
    { attachments: [{ type: "image", payload: { url: "http://cdn.example/a.jpg" } }] },
    "[url]",
  ],
  [
    "attachment_id (no upload endpoint with Instagram Login)",
    { attachment: { type: "image", payload: { attachment_id: "1234" } } },
    "[attachment_id]",
  ],
  [
    "a like_heart with a payload",
    { attachment: { type: "like_heart", payload: { url: https } } },
    "[payload]",
  ],
  ["a MEDIA_SHARE without a post id", { attachment: { type: "MEDIA_SHARE", payload: {} } }, "[payload][id]"],
  ["button template text of 641 characters", buttonTemplate([postback()], chars(641)), "[payload][text]"],
  [
    "a button template with 4 buttons",
    buttonTemplate([postback(), postback(), postback(), postback()]),
    "[buttons]",
  ],
  ["a button template with no buttons", buttonTemplate([]), "[buttons]"],
  ["a button title of 21 characters", buttonTemplate([postback(chars(21))]), "[buttons][0][title]"],
  [
    "a call button (not an Instagram button)",
    buttonTemplate([{ type: "phone_number", title: "Call" }]),
    "[type]",
  ],
  [
    "a web_url button over http",
    buttonTemplate([{ type: "web_url", title: "Go", url: "http://x.example" }]),
    "[url]",
  ],
  ["a postback button without payload", buttonTemplate([{ type: "postback", title: "Go" }]), "[payload]"],
  ["an unknown template type", template({ template_type: "media" }), "[template_type]"],
  ["11 generic elements", generic(Array.from({ length: 11 }, () => ({ title: "A" }))), "[elements]"],
  ["an element without title", generic([{ subtitle: "B" }]), "[elements][0][title]"],
  ["an element title of 81 characters", generic([{ title: chars(81) }]), "[elements][0][title]"],
  ["an element subtitle of 81 characters", generic([{ title: "A", subtitle: chars(81) }]), "[subtitle]"],
  [
    "an element image over http",
    generic([{ title: "A", image_url: "http://cdn.example/a.jpg" }]),
    "[image_url]",
  ],
  [
    "a default action with a title",
    generic([{ title: "A", default_action: { type: "web_url", url: https, title: "No" } }]),
    "[default_action]",
  ],
  [
    "an element with 4 buttons",
    generic([{ title: "A", buttons: [1, 2, 3, 4].map(() => postback()) }]),
    "[buttons]",
  ],
];

describe("rich messages refused at each limit with 100 naming the field, nothing sent", () => {
  it.each(LIMITS)("%s", async (_name, message, field) => {
    h = await startHarness();
    const token = h.sim.issueToken();
    h.sim.openWindow({ igsid: CUSTOMER });
    const res = await send(token, message);
    expect(res.status).toBe(400);
    expect(res.error?.code).toBe(100);
    expect(res.error?.message).toContain(field);
    expect(h.sim.sentMessages()).toEqual([]);
    expect(h.sim.customerView({ igsid: CUSTOMER })).toEqual([]);
  });
});

describe("echoes and customer taps", () => {
  it("echoes each accepted rich message once, with the mid the send answered", async () => {
    h = await startHarness({ deliverEchoes: true });
    const token = h.sim.issueToken();
    h.sim.openWindow({ igsid: CUSTOMER });
    const images = await send(token, KINDS[1]?.[2]);
    const buttons = await send(token, KINDS[4]?.[2]);
    await h.sim.idle();
    const echoes = h.received.map(
      (b) =>
        (b as { entry: { messaging: { message: Record<string, unknown> }[] }[] }).entry[0]?.messaging[0]
          ?.message,
    );
    expect(echoes).toHaveLength(2);
    expect(echoes[0]).toEqual({
      mid: images.body.message_id,
      attachments: [
        { type: "image", payload: { url: "https://cdn.example/a.jpg" } },
        { type: "image", payload: { url: "https://cdn.example/b.png" } },
      ],
      is_echo: true,
    });
    expect(echoes[1]).toMatchObject({ mid: buttons.body.message_id, is_echo: true });
  });

  async function signedReceiver(): Promise<{
    url: string;
    got: { body: string; signature: string | undefined }[];
  }> {
    const got: { body: string; signature: string | undefined }[] = [];
    receiver = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const sig = req.headers["x-hub-signature-256"];
      got.push({
        body: Buffer.concat(chunks).toString("utf8"),
        signature: typeof sig === "string" ? sig : undefined,
      });
      res.writeHead(200).end("EVENT_RECEIVED");
    });
    await new Promise<void>((resolve) => receiver?.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, got };
  }

  it("a quick reply tap arrives signed as the customer's message with quick_reply.payload, and opens the window", async () => {
    h = await startHarness();
    const hook = await signedReceiver();
    h.sim.setWebhookUrl(hook.url);
    const token = h.sim.issueToken();
    h.sim.openWindow({ igsid: CUSTOMER });
    const sent = await send(token, KINDS[0]?.[2]);
    h.clock += DAY + 1; // the window has closed…
    const tap = await h.sim.tapQuickReply({ mid: String(sent.body.message_id), index: 1 });
    expect(tap.delivery?.status).toBe(200);
    const [delivery] = hook.got;
    expect(delivery?.signature).toBe(signMetaBody(delivery?.body ?? "", FAKE.igAppSecret));
    const event = JSON.parse(delivery?.body ?? "{}").entry[0].messaging[0];
    expect(event).toMatchObject({ sender: { id: CUSTOMER }, recipient: { id: IG_ID } });
    expect(event.message).toEqual({ mid: tap.mid, text: "Large", quick_reply: { payload: "SIZE_L" } });
    expect((await send(token, { text: "Large it is", quick_replies: [qr("OK")] })).status).toBe(200); // …and is open again
  });

  it("a button tap arrives signed as a postback with title, payload and the template's mid", async () => {
    h = await startHarness();
    const hook = await signedReceiver();
    h.sim.setWebhookUrl(hook.url);
    const token = h.sim.issueToken();
    h.sim.openWindow({ igsid: CUSTOMER });
    const card = await send(token, KINDS[5]?.[2]);
    const mid = String(card.body.message_id);
    // Over the admin route, as the console does.
    const res = await fetch(`${h.sim.url}/_sim/customer-tap`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "button", mid, index: 1, elementIndex: 0 }),
    });
    expect(res.status).toBe(200);
    const [delivery] = hook.got;
    expect(delivery?.signature).toBe(signMetaBody(delivery?.body ?? "", FAKE.igAppSecret));
    const event = JSON.parse(delivery?.body ?? "{}").entry[0].messaging[0];
    expect(event.postback).toEqual({ mid, title: "Buy", payload: "BUY_SHIRT" });
    const view = (await (await fetch(`${h.sim.url}/_sim/customer-view?igsid=${CUSTOMER}`)).json()) as {
      messages: unknown[];
    };
    expect(view.messages).toHaveLength(1);
  });

  it("refuses taps on a URL button, on another customer's message and on another account's message", async () => {
    h = await startHarness({ webhookUrl: undefined });
    const token = h.sim.issueToken();
    h.sim.openWindow({ igsid: CUSTOMER });
    const mid = String((await send(token, KINDS[4]?.[2])).body.message_id);
    await expect(h.sim.tapButton({ mid, index: 0 })).rejects.toThrow("no postback button");
    await expect(h.sim.tapButton({ mid, index: 1, igsid: OTHER_CUSTOMER })).rejects.toThrow(
      "No rich message",
    );
    await expect(h.sim.tapButton({ mid, index: 1, igAccountId: OTHER_IG_ID })).rejects.toThrow(
      "No rich message",
    );
    await expect(h.sim.tapQuickReply({ mid, index: 0 })).rejects.toThrow("no text quick reply");
    const forged = await fetch(`${h.sim.url}/_sim/customer-tap`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "button", mid: "m_forged", index: 0 }),
    });
    expect(forged.status).toBe(404);
    expect(h.sim.deliveries()).toEqual([]);
  });
});
