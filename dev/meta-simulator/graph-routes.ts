import * as z from "zod";
import type { SimContext } from "./context";
import { GraphErrors } from "./graph-errors";
import { type Answer, graph, json, type Reply, type Req, splitList } from "./http";
import { newMessageId } from "./ids";
import {
  DAY,
  HOUR,
  PROFILE_FIELDS,
  type SentMessage,
  type SimAccount,
  SUBSCRIBABLE_FIELDS,
  TEXT_LIMIT,
} from "./model";

/** graph.instagram.com's profile, webhook subscription, Send API and permission revoke (§1.5–1.7). */
export function graphRoutes(ctx: SimContext) {
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
    const allowed: readonly string[] = PROFILE_FIELDS;
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
    const valid: readonly string[] = SUBSCRIBABLE_FIELDS;
    const badIndex = fields.findIndex((f) => !valid.includes(f));
    if (badIndex >= 0) {
      return graph(
        GraphErrors.invalidParameter(
          `Param subscribed_fields[${badIndex}] must be one of {${SUBSCRIBABLE_FIELDS.join(", ")}} - got "${fields[badIndex]}"`,
        ),
      );
    }
    subscriptions.set(igId, new Set(fields));
    return json(200, { success: true });
  }

  function usageHeaders(igId: string): Record<string, string> {
    const lastHour = sent.filter((m) => m.igAccountId === igId && m.at > now() - HOUR).length;
    const cap = ctx.options.sendCapPerHour ?? 1000;
    const callCount = Math.min(100, Math.round((lastHour / cap) * 100));
    const usage = {
      [igId]: [
        {
          type: "instagram",
          call_count: callCount,
          total_cputime: Math.min(100, Math.round(callCount / 4)),
          total_time: Math.min(100, Math.round(callCount / 3)),
          estimated_time_to_regain_access: 0,
        },
      ],
    };
    return {
      "x-business-use-case-usage": JSON.stringify(usage),
      "x-app-usage": JSON.stringify({
        call_count: Math.min(100, Math.round(callCount / 2)),
        total_time: 1,
        total_cputime: 1,
      }),
    };
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

  type SendBody = z.infer<typeof sendSchema>;

  /** The Send API body as JSON, or as form fields holding JSON (Graph accepts both). */
  function readSendBody(req: Req): SendBody | Reply {
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
        };
      } else {
        body = JSON.parse(req.raw.toString("utf8"));
      }
    } catch {
      return graph(GraphErrors.invalidParameter("Invalid JSON in request body"));
    }
    const parsed = sendSchema.safeParse(body);
    if (parsed.success) return parsed.data;
    const path = parsed.error.issues[0]?.path.join("][") ?? "message";
    return graph(GraphErrors.invalidParameter(`Invalid parameter [${path}]`));
  }

  /** Meta's reasons not to send: text too long, window closed (24 h, HUMAN_AGENT 7 days), the optional cap. */
  function refuseSend(igId: string, { recipient, message, tag }: SendBody): Reply | undefined {
    if ("text" in message && [...message.text].length > TEXT_LIMIT) {
      return graph(
        GraphErrors.invalidParameter(
          `Length of param message[text] must be less than or equal to ${TEXT_LIMIT}`,
        ),
      );
    }
    const last = windows.get(windowKey(igId, recipient.id));
    const allowance = tag === "HUMAN_AGENT" ? 7 * DAY : DAY;
    if (last === undefined || now() - last > allowance) return graph(GraphErrors.windowClosed());
    const cap = ctx.options.sendCapPerHour;
    if (cap !== undefined) {
      const inHour = sent.filter((m) => m.igAccountId === igId && m.at > now() - HOUR).length;
      if (inHour >= cap)
        return { ...graph(GraphErrors.rateLimited(613)), headers: throttledHeaders(igId, 1) };
    }
    return undefined;
  }

  async function postMessage(req: Req, id: string): Promise<Answer> {
    const own = ownAccount(req, id, "post");
    if ("status" in own) return own;
    const igId = own.account.igId;
    const fault = takeFault("send", igId);
    const faulted = await applyFault(fault, igId);
    if (faulted !== undefined) return faulted;

    const parsed = readSendBody(req);
    if ("status" in parsed) return parsed;
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
    scheduleEcho(record);
    if (record.answer === "invalid_reply") return graph(GraphErrors.invalidJsonReply());
    return json(200, { recipient_id: recipient.id, message_id: messageId }, usageHeaders(igId));
  }

  async function revokePermissions(req: Req): Promise<Reply> {
    const auth = authenticate(req);
    if ("status" in auth) return auth;
    invalidateAccountTokens(auth.account.igId);
    subscriptions.delete(auth.account.igId);
    return json(200, { success: true });
  }

  return { getMe, subscribedApps, postMessage, revokePermissions };
}
