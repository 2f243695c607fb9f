import type { ResolveAttachment } from "./attachment-uploads";
import type { SimContext } from "./context";
import { type GraphError, GraphErrors } from "./graph-errors";
import { graph, json, type Reply } from "./http";
import { newMessageId } from "./ids";
import { DEFAULT_CUSTOMER_IGSID, type Fault, type SentMessage } from "./model";
import { echoMessageOf, isRichMessage, type RichContent, validateRichMessage } from "./rich-messages";
import * as Payloads from "./webhook-payloads";

/*
 * Accepting a rich send (after rich-messages.ts validated its shape), recording what the customer sees, echoing
 * it, and the customer's side: tapping a quick reply or a postback button, delivered signed to the webhook.
 */

export interface RichSendBody {
  readonly recipient: { readonly id: string };
  readonly message: unknown;
  readonly messaging_type?: string;
  readonly tag?: string;
}

/** A body for this module: a recipient id and a rich `message` (see `isRichMessage`). */
export function asRichSendBody(body: unknown): RichSendBody | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (!isRichMessage(b.message)) return undefined;
  return b as unknown as RichSendBody;
}

/** One message as the customer sees it in the thread. */
export interface CustomerSeen {
  readonly mid: string;
  readonly at: number;
  readonly content: RichContent;
}

export interface TapInput {
  readonly igAccountId?: string;
  readonly igsid?: string;
  /** The business message whose quick reply or button is tapped. */
  readonly mid: string;
  /** Which quick reply / button (0-based). */
  readonly index: number;
  /** Generic template: which element's button. */
  readonly elementIndex?: number;
}

export interface TapResult {
  readonly mid?: string;
  readonly payload: object;
  readonly delivery?: { readonly status: number; readonly body: string };
}

/** Checks the thread-wide rules (window, ownership, caps) the plain send applies; `undefined` means go ahead. */
export type RefuseThread = (igId: string, igsid: string, tag: string | undefined) => Reply | undefined;
export type RefuseMedia = (type: string, url: string) => Reply | undefined;

export function richSender(ctx: SimContext) {
  /** Rich messages accepted per `${igId}:${igsid}`, oldest first. */
  const seen = new Map<string, CustomerSeen[]>();

  function send(
    igId: string,
    body: RichSendBody,
    fault: Fault | undefined,
    refuseThread: RefuseThread,
    refuseMedia: RefuseMedia,
    resolveAttachment?: ResolveAttachment,
  ): Reply {
    const recipient = body.recipient?.id;
    if (typeof recipient !== "string" || recipient === "") {
      return graph(GraphErrors.invalidParameter("Invalid parameter [recipient][id]"));
    }
    // The same envelope rules as the plain send: Meta's three messaging types, HUMAN_AGENT the only tag.
    if (
      body.messaging_type !== undefined &&
      !["RESPONSE", "UPDATE", "MESSAGE_TAG"].includes(body.messaging_type)
    ) {
      return graph(GraphErrors.invalidParameter("Invalid parameter [messaging_type]"));
    }
    if (body.tag !== undefined && body.tag !== "HUMAN_AGENT") {
      return graph(GraphErrors.invalidParameter("Invalid parameter [tag]"));
    }
    const content = validateRichMessage(body.message, resolveAttachment);
    if ("status" in content) return graph(content as GraphError);
    const refused =
      refuseThread(igId, recipient, body.tag) ?? refuseContent(igId, recipient, content, refuseMedia);
    if (refused !== undefined) return refused;

    const messageId = newMessageId();
    const at = ctx.now();
    const record: SentMessage = {
      igAccountId: igId,
      recipientId: recipient,
      messageId,
      ...(content.kind === "text" ? { text: content.text } : {}),
      ...(body.messaging_type === undefined ? {} : { messagingType: body.messaging_type }),
      ...(body.tag === undefined ? {} : { tag: body.tag }),
      rich: content,
      at,
      answer: fault?.kind === "sent_but_invalid_reply" ? "invalid_reply" : "ok",
    };
    ctx.sent.push(record);
    const key = ctx.windowKey(igId, recipient);
    seen.set(key, [...(seen.get(key) ?? []), { mid: messageId, at, content }]);
    ctx.threads.add(igId, recipient, {
      mid: messageId,
      at,
      fromCustomer: false,
      ...(content.kind === "text" ? { text: content.text } : {}),
      ...(content.kind === "images"
        ? { attachments: content.urls.map((url) => ({ type: "image", url })) }
        : {}),
      ...(content.kind === "saved_attachment"
        ? { attachments: [{ type: content.type, url: content.url }] }
        : {}),
    });
    scheduleEcho(igId, recipient, at, echoMessageOf(messageId, content));
    if (record.answer === "invalid_reply") return graph(GraphErrors.invalidJsonReply());
    return json(200, { recipient_id: recipient, message_id: messageId });
  }

  function refuseContent(
    igId: string,
    igsid: string,
    c: RichContent,
    refuseMedia: RefuseMedia,
  ): Reply | undefined {
    if (c.kind === "text" && c.replyTo !== undefined) {
      // The replied-to message must be in this very thread: never another customer's or another account's.
      const found = ctx.threads.byMessageId(c.replyTo);
      if (found === undefined || found.thread.igId !== igId || found.thread.igsid !== igsid) {
        return graph(
          GraphErrors.invalidParameter("Param message[reply_to][mid] is not a message of this conversation"),
        );
      }
    }
    if (c.kind === "images") {
      for (const url of c.urls) {
        const media = refuseMedia("image", url);
        if (media !== undefined) return media;
      }
    }
    if (c.kind === "share") {
      const posts = ctx.options.posts;
      // Send-message page: "The app user must own any media or posts to be used in the message."
      if (posts !== undefined && posts[c.postId] !== igId) {
        return graph(
          GraphErrors.invalidParameter(
            "Param message[attachment][payload][id] must be a post the account owns",
          ),
        );
      }
    }
    return undefined;
  }

  function scheduleEcho(igId: string, igsid: string, at: number, message: Record<string, unknown>): void {
    if (ctx.state.webhookUrl === undefined || ctx.options.deliverEchoes === false) return;
    const event: Payloads.MessagingEvent = {
      sender: { id: igId },
      recipient: { id: igsid },
      timestamp: at,
      message,
    };
    const payload = Payloads.envelope(igId, at + 589, event);
    const p = new Promise((resolve) => setImmediate(resolve))
      .then(() => ctx.deliver(payload, { kind: "echo" }))
      .catch(() => undefined)
      .finally(() => ctx.pending.delete(p));
    ctx.pending.add(p);
  }

  /** Finds the business message a tap answers, only in the tapping customer's own thread. */
  function answered(input: TapInput): { igId: string; igsid: string; seen: CustomerSeen } {
    const igId = ctx.accountOrThrow(input.igAccountId).igId;
    const igsid = input.igsid ?? DEFAULT_CUSTOMER_IGSID;
    const found = seen.get(ctx.windowKey(igId, igsid))?.find((s) => s.mid === input.mid);
    if (found === undefined) throw new Error(`No rich message ${input.mid} to customer ${igsid} of ${igId}`);
    return { igId, igsid, seen: found };
  }

  async function deliverFromCustomer(igId: string, igsid: string, payload: Payloads.WebhookPayload) {
    if (ctx.state.webhookUrl === undefined) return undefined;
    const body = ctx.otherOwner.has(ctx.windowKey(igId, igsid)) ? Payloads.asStandby(payload) : payload;
    return ctx.deliver(body, { kind: "customer_message" });
  }

  /** The customer taps a text quick reply: a `message` with the title as text and `quick_reply.payload`. */
  async function tapQuickReply(input: TapInput): Promise<TapResult> {
    const { igId, igsid, seen: s } = answered(input);
    const qr = s.content.kind === "text" ? s.content.quickReplies?.[input.index] : undefined;
    if (qr === undefined || qr.content_type !== "text" || qr.title === undefined) {
      throw new Error(`Message ${input.mid} has no text quick reply ${input.index}`);
    }
    const mid = newMessageId();
    const timestamp = ctx.now();
    const message: Record<string, unknown> = { mid, text: qr.title };
    if (qr.payload !== undefined) message.quick_reply = { payload: qr.payload };
    const event: Payloads.MessagingEvent = {
      sender: { id: igsid },
      recipient: { id: igId },
      timestamp,
      message,
    };
    const payload = Payloads.envelope(igId, timestamp + 589, event);
    // Meta posts the title to the conversation as the customer's message: it opens the window like any message.
    ctx.openWindow(igId, igsid, timestamp);
    ctx.threads.add(igId, igsid, { mid, at: timestamp, fromCustomer: true, text: qr.title });
    const delivery = await deliverFromCustomer(igId, igsid, payload);
    return { mid, payload, ...(delivery === undefined ? {} : { delivery }) };
  }

  /** The customer taps a postback button of a button or generic template: a `postback` event. */
  async function tapButton(input: TapInput): Promise<TapResult> {
    const { igId, igsid, seen: s } = answered(input);
    const buttons =
      s.content.kind === "button_template"
        ? s.content.buttons
        : s.content.kind === "generic_template"
          ? s.content.elements[input.elementIndex ?? 0]?.buttons
          : undefined;
    const button = buttons?.[input.index];
    if (button === undefined || button.type !== "postback") {
      throw new Error(`Message ${input.mid} has no postback button ${input.index}`);
    }
    const payload = Payloads.postback({
      igAccountId: igId,
      igsid,
      timestamp: ctx.now(),
      mid: s.mid,
      title: button.title,
      payload: button.payload,
    });
    const delivery = await deliverFromCustomer(igId, igsid, payload);
    return { payload, ...(delivery === undefined ? {} : { delivery }) };
  }

  /** What the customer sees from the business, oldest first. */
  const customerView = (igAccountId: string | undefined, igsid: string): CustomerSeen[] => [
    ...(seen.get(ctx.windowKey(ctx.accountOrThrow(igAccountId).igId, igsid)) ?? []),
  ];

  return { send, tapQuickReply, tapButton, customerView };
}

export type RichSender = ReturnType<typeof richSender>;
