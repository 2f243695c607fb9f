import * as z from "zod";
import type { ResolveAttachment } from "./attachment-uploads";
import type { SimContext } from "./context";
import { GraphErrors } from "./graph-errors";
import { type Answer, graph, json, type Reply, type Req, splitList } from "./http";
import { newMessageId } from "./ids";
import {
  DAY,
  HOUR,
  MEDIA_RULES,
  PROFILE_FIELDS,
  SEVEN_DAYS,
  type SentMessage,
  type SimAccount,
  SUBSCRIBABLE_FIELDS,
  TEXT_LIMIT_BYTES,
} from "./model";
import { asRichSendBody, type RichSendBody, type RichSender } from "./rich-send";

/** graph.instagram.com's profile, webhook subscription, Send API and permission revoke (§1.5–1.7). */
export function graphRoutes(ctx: SimContext, rich: RichSender) {
  const {
    now,
    sent,
    windows,
    windowKey,
    subscriptions,
    authenticate,
    takeFault,
    applyFault,
    throttledHeaders,
    invalidateAccountTokens,
    scheduleEcho,
  } = ctx;

  async function getMe(req: Req): Promise<Answer> {
    const faulted = await applyFault(takeFault("profile"));
    if (faulted !== undefined) return faulted;
    const auth = authenticate(req);
    if ("status" in auth) return auth;
    const requested = splitList(req.query.get("fields") ?? req.form?.get("fields") ?? "id");
    const allowed: readonly string[] = ctx.options.profileFields ?? PROFILE_FIELDS;
    if (requested.some((f) => !allowed.includes(f))) return graph(GraphErrors.unsupportedGet());
    const a = auth.account;
    const values: Record<string, string | number | undefined> = {
      id: a.appScopedId,
      user_id: a.igId,
      username: a.username,
      name: a.name,
      account_type: a.accountType,
      profile_picture_url: a.profilePictureUrl,
      followers_count: a.followersCount,
      follows_count: a.followsCount,
      media_count: a.mediaCount,
    };
    const body: Record<string, string | number> = {};
    for (const field of [...requested, "id"]) {
      const value = values[field];
      if (value !== undefined) body[field] = value;
    }
    return json(200, body);
  }

  /** Resolves `{id}` in `/{v}/{id}/…` to the token's account; another account's id is Graph's "does not exist". */
  function ownAccount(req: Req, id: string, verb: "get" | "post"): { account: SimAccount } | Reply {
    const auth = authenticate(req);
    if ("status" in auth) return auth;
    if (id !== "me" && id !== auth.account.igId) {
      const e = GraphErrors.objectNotFound(id);
      return json(e.status, {
        error: { ...e.body.error, message: e.body.error.message.replace("post request", `${verb} request`) },
      });
    }
    return { account: auth.account };
  }

  async function subscribedApps(req: Req, id: string): Promise<Answer> {
    const faulted = await applyFault(takeFault("subscribe", id));
    if (faulted !== undefined) return faulted;
    const own = ownAccount(req, id, req.method === "GET" ? "get" : "post");
    if ("status" in own) return own;
    const igId = own.account.igId;
    if (req.method === "GET") {
      const fields = [...(subscriptions.get(igId) ?? [])];
      return json(200, {
        data:
          fields.length === 0
            ? []
            : [{ subscribed_fields: fields, id: ctx.options.appId, name: "Simulated app" }],
      });
    }
    if (req.method === "DELETE") {
      subscriptions.delete(igId);
      return json(200, { success: true });
    }
    const raw = req.query.get("subscribed_fields") ?? req.form?.get("subscribed_fields");
    if (raw === null || raw === undefined || raw === "") {
      return graph(GraphErrors.invalidParameter("The parameter subscribed_fields is required"));
    }
    const fields = splitList(raw);
    const valid: readonly string[] = ctx.options.subscribableFields ?? SUBSCRIBABLE_FIELDS;
    const badIndex = fields.findIndex((f) => !valid.includes(f));
    if (badIndex >= 0) {
      return graph(
        GraphErrors.invalidParameter(
          `Param subscribed_fields[${badIndex}] must be one of {${valid.join(", ")}} - got "${fields[badIndex]}"`,
        ),
      );
    }
    subscriptions.set(igId, new Set(fields));
    return json(200, { success: true });
  }

  const sendSchema = z.object({
    recipient: z.object({ id: z.string().min(1) }),
    message: z.union([
      z.object({ text: z.string().min(1) }).strict(),
      z
        .object({
          attachment: z.object({
            type: z.enum(["image", "video", "audio", "file"]),
            payload: z.object({ url: z.url({ protocol: /^https$/ }) }),
          }),
        })
        .strict(),
    ]),
    messaging_type: z.enum(["RESPONSE", "UPDATE", "MESSAGE_TAG"]).optional(),
    tag: z.literal("HUMAN_AGENT").optional(),
  });

  /** Sender actions (sender-actions page; reactions with `payload.message_id` and `reaction`). */
  const senderActionSchema = z.union([
    z.object({
      recipient: z.object({ id: z.string().min(1) }),
      sender_action: z.enum(["typing_on", "typing_off", "mark_seen"]),
    }),
    z.object({
      recipient: z.object({ id: z.string().min(1) }),
      sender_action: z.literal("react"),
      payload: z.object({ message_id: z.string().min(1), reaction: z.literal("love") }),
    }),
    z.object({
      recipient: z.object({ id: z.string().min(1) }),
      sender_action: z.literal("unreact"),
      payload: z.object({ message_id: z.string().min(1) }),
    }),
  ]);

  type SendBody = z.infer<typeof sendSchema>;
  type SenderAction = z.infer<typeof senderActionSchema>;

  /** The Send API body as JSON, or as form fields holding JSON (Graph accepts both). */
  function readSendBody(req: Req): SendBody | { action: SenderAction } | { rich: RichSendBody } | Reply {
    let body: unknown;
    try {
      if (req.form !== undefined) {
        const field = (k: string) => {
          const v = req.form?.get(k);
          return v === null || v === undefined ? undefined : v.startsWith("{") ? JSON.parse(v) : v;
        };
        body = {
          recipient: field("recipient"),
          message: field("message"),
          messaging_type: field("messaging_type"),
          tag: field("tag"),
          sender_action: field("sender_action"),
          payload: field("payload"),
        };
      } else {
        body = JSON.parse(req.raw.toString("utf8"));
      }
    } catch {
      return graph(GraphErrors.invalidParameter("Invalid JSON in request body"));
    }
    if (
      typeof body === "object" &&
      body !== null &&
      "sender_action" in body &&
      body.sender_action !== undefined
    ) {
      const action = senderActionSchema.safeParse(body);
      if (action.success) return { action: action.data };
      const path = action.error.issues[0]?.path.join("][") ?? "sender_action";
      return graph(GraphErrors.invalidParameter(`Invalid parameter [${path}]`));
    }
    const richBody = asRichSendBody(body);
    if (richBody !== undefined) return { rich: richBody };
    const parsed = sendSchema.safeParse(body);
    if (parsed.success) return parsed.data;
    const path = parsed.error.issues[0]?.path.join("][") ?? "message";
    return graph(GraphErrors.invalidParameter(`Invalid parameter [${path}]`));
  }

  /**
   * The window for this customer is open: 24 h from their last message; 7 days from the first message of a
   * Click-to-Direct ad thread; 7 days with `HUMAN_AGENT` when the app is approved for it (policy page).
   */
  function windowOpen(igId: string, igsid: string, tag: string | undefined): boolean {
    const key = windowKey(igId, igsid);
    const last = windows.get(key);
    if (last === undefined) return false;
    if (now() - last <= DAY) return true;
    if (now() <= (ctx.adWindows.get(key) ?? 0)) return true;
    return tag === "HUMAN_AGENT" && ctx.options.humanAgentApproved === true && now() - last <= SEVEN_DAYS;
  }

  /** Refusals that apply to the whole account or thread, before the message itself is looked at. */
  function refuseThread(igId: string, igsid: string): Reply | undefined {
    const restriction = ctx.restrictions.get(igId);
    if (restriction === "restricted") return graph(GraphErrors.accountRestricted());
    if (restriction === "business_blocked") return graph(GraphErrors.businessBlocked());
    if (ctx.otherOwner.has(windowKey(igId, igsid))) return graph(GraphErrors.notThreadOwner());
    return undefined;
  }

  /** With a media registry: unknown URLs are unreachable; type and size follow MEDIA_RULES. */
  function refuseMedia(type: string, url: string): Reply | undefined {
    const registry = ctx.options.media;
    if (registry === undefined) return undefined;
    const file = registry[url];
    if (file === undefined) return graph(GraphErrors.mediaUnreachable());
    const rule = MEDIA_RULES[type];
    if (rule === undefined || !rule.types.includes(file.contentType.split(";")[0]?.trim() ?? "")) {
      return graph(GraphErrors.mediaUnsupported(file.contentType));
    }
    if (file.bytes > rule.maxBytes) return graph(GraphErrors.mediaTooLarge());
    return undefined;
  }

  /** Meta's reasons not to send: text too long (UTF-8 bytes), window closed, the optional cap. */
  function refuseSend(igId: string, { recipient, message, tag }: SendBody): Reply | undefined {
    if ("text" in message) {
      const bytes = Buffer.byteLength(message.text, "utf8");
      if (bytes > TEXT_LIMIT_BYTES) return graph(GraphErrors.textTooLong(bytes, TEXT_LIMIT_BYTES));
    }
    const thread = refuseThread(igId, recipient.id);
    if (thread !== undefined) return thread;
    if (!windowOpen(igId, recipient.id, tag)) return graph(GraphErrors.windowClosed());
    if ("attachment" in message) {
      const media = refuseMedia(message.attachment.type, message.attachment.payload.url);
      if (media !== undefined) return media;
    }
    return refuseRate(igId, recipient.id);
  }

  /** Every send's thread rules (rich sends too): owned thread, open window, then the rate limits. */
  function refuseThreadSend(igId: string, igsid: string, tag: string | undefined): Reply | undefined {
    const thread = refuseThread(igId, igsid);
    if (thread !== undefined) return thread;
    if (!windowOpen(igId, igsid, tag)) return graph(GraphErrors.windowClosed());
    return refuseRate(igId, igsid);
  }

  /** The optional per-thread and per-hour caps. */
  function refuseRate(igId: string, recipientId: string): Reply | undefined {
    const recipient = { id: recipientId };
    const perThread = ctx.options.threadSendsPerMinute;
    if (perThread !== undefined) {
      const recent = sent.filter(
        (m) => m.igAccountId === igId && m.recipientId === recipient.id && m.at > now() - 60_000,
      ).length;
      if (recent >= perThread) return graph(GraphErrors.threadRateLimited());
    }
    const cap = ctx.options.sendCapPerHour;
    if (cap !== undefined) {
      const inHour = sent.filter((m) => m.igAccountId === igId && m.at > now() - HOUR).length;
      if (inHour >= cap)
        return { ...graph(GraphErrors.rateLimited(613)), headers: throttledHeaders(igId, 1) };
    }
    return undefined;
  }

  /** Typing indicators, mark_seen and reactions: inside the window, in a thread we own. */
  function senderAction(igId: string, body: SenderAction): Reply {
    const refused = refuseThread(igId, body.recipient.id);
    if (refused !== undefined) return refused;
    if (!windowOpen(igId, body.recipient.id, undefined)) return graph(GraphErrors.windowClosed());
    if ("payload" in body && ctx.threads.byMessageId(body.payload.message_id) === undefined) {
      return graph(GraphErrors.invalidParameter("Invalid parameter [payload][message_id]"));
    }
    ctx.senderActions.push({
      igAccountId: igId,
      recipientId: body.recipient.id,
      action: body.sender_action,
      ...("payload" in body ? { messageId: body.payload.message_id } : {}),
      ...("payload" in body && "reaction" in body.payload ? { reaction: body.payload.reaction } : {}),
      at: now(),
    });
    return json(200, { recipient_id: body.recipient.id });
  }

  async function postMessage(req: Req, id: string): Promise<Answer> {
    const own = ownAccount(req, id, "post");
    if ("status" in own) return own;
    return sendAs(req, own.account.igId);
  }

  /**
   * The Send API once the caller is known to speak for `igId`: faults, body, window, caps, the record and its
   * echo. Shared by graph.instagram.com (Instagram token) and graph.facebook.com (Page token) so both hosts keep
   * the same rules.
   */
  async function sendAs(req: Req, igId: string, resolveAttachment?: ResolveAttachment): Promise<Answer> {
    const fault = takeFault("send", igId);
    const faulted = await applyFault(fault, igId);
    if (faulted !== undefined) return faulted;

    const parsed = readSendBody(req);
    if ("status" in parsed) return parsed;
    if ("action" in parsed) return senderAction(igId, parsed.action);
    if ("rich" in parsed)
      return rich.send(igId, parsed.rich, fault, refuseThreadSend, refuseMedia, resolveAttachment);
    const { recipient, message, messaging_type, tag } = parsed;
    const refusal = refuseSend(igId, parsed);
    if (refusal !== undefined) return refusal;

    const messageId = newMessageId();
    const record: SentMessage = {
      igAccountId: igId,
      recipientId: recipient.id,
      messageId,
      ...("text" in message
        ? { text: message.text }
        : { attachment: { type: message.attachment.type, url: message.attachment.payload.url } }),
      ...(messaging_type === undefined ? {} : { messagingType: messaging_type }),
      ...(tag === undefined ? {} : { tag }),
      at: now(),
      answer: fault?.kind === "sent_but_invalid_reply" ? "invalid_reply" : "ok",
    };
    sent.push(record);
    ctx.threads.add(igId, recipient.id, {
      mid: messageId,
      at: record.at,
      fromCustomer: false,
      ...(record.text === undefined ? {} : { text: record.text }),
      ...(record.attachment === undefined ? {} : { attachments: [record.attachment] }),
    });
    scheduleEcho(record);
    if (record.answer === "invalid_reply") return graph(GraphErrors.invalidJsonReply());
    return json(200, { recipient_id: recipient.id, message_id: messageId });
  }

  async function revokePermissions(req: Req): Promise<Reply> {
    const auth = authenticate(req);
    if ("status" in auth) return auth;
    invalidateAccountTokens(auth.account.igId);
    subscriptions.delete(auth.account.igId);
    return json(200, { success: true });
  }

  return { getMe, subscribedApps, postMessage, sendAs, revokePermissions };
}
