import * as z from "zod";
import { MEDIA_ATTACHMENT_TYPES } from "../../lambdas/contract/vocabulary";
import type { SimContext } from "./context";
import { json, type Reply, type Req } from "./http";
import type { messengerProfileRoutes } from "./messenger-profile";
import { faultSchema } from "./model";
import type { RichSender } from "./rich-send";

/**
 * The simulator's own admin API under `/_sim/` (state, faults, customer messages, clock). It never shows
 * tokens, codes or secrets. CORS-open so a local dev console can call it.
 */
export function adminRoutes(
  ctx: SimContext,
  rich: RichSender,
  tapProfile: ReturnType<typeof messengerProfileRoutes>["tapProfile"],
) {
  const { state, now, accounts, subscriptions, windows, sent, deliveries, injectFault, sendCustomerMessage } =
    ctx;

  const customerMessageSchema = z.object({
    igAccountId: z.string().optional(),
    igsid: z.string().regex(/^\d+$/).optional(),
    text: z.string().optional(),
    attachments: z
      .array(
        z.object({
          type: z.enum(MEDIA_ATTACHMENT_TYPES),
          url: z.string().optional(),
        }),
      )
      .optional(),
    referral: z
      .object({
        source: z.literal("ADS"),
        type: z.literal("OPEN_THREAD").optional(),
        ad_id: z.string().min(1),
        ref: z.string().optional(),
      })
      .optional(),
  });
  /** The customer taps a quick reply (`quick_reply`) or a postback button (`button`) of a business message. */
  const tapSchema = z.object({
    kind: z.enum(["quick_reply", "button", "ice_breaker", "menu"]),
    igAccountId: z.string().optional(),
    igsid: z.string().regex(/^\d+$/).optional(),
    /** The business message answered (quick_reply, button). */
    mid: z.string().min(1).optional(),
    /** Ice breaker / menu locale (default `default`). */
    locale: z.string().optional(),
    index: z.number().int().nonnegative(),
    elementIndex: z.number().int().nonnegative().optional(),
  });
  const throttleSchema = z.object({
    igAccountId: z.string().optional(),
    code: z.union([z.literal(80002), z.literal(613), z.literal(4)]).optional(),
    regainAccessMinutes: z.number().int().positive().optional(),
  });
  const restrictionSchema = z.object({
    igAccountId: z.string().optional(),
    restriction: z.enum(["restricted", "business_blocked"]).nullable(),
  });
  const ownerSchema = z.object({
    igAccountId: z.string().optional(),
    igsid: z.string().regex(/^\d+$/),
    owner: z.enum(["us", "other"]),
  });

  function publicState() {
    return {
      now: now(),
      webhookUrl: state.webhookUrl ?? null,
      accounts: accounts.map((a) => ({
        igId: a.igId,
        appScopedId: a.appScopedId,
        username: a.username,
        accountType: a.accountType,
      })),
      subscriptions: Object.fromEntries([...subscriptions].map(([k, v]) => [k, [...v]])),
      windows: [...windows].map(([key, at]) => {
        const [igAccountId, igsid] = key.split(":");
        return { igAccountId, igsid, lastCustomerMessageAt: at };
      }),
      sentMessages: sent,
      faults: state.faults.map((f) => ({
        ...f.spec,
        remaining: Number.isFinite(f.remaining) ? f.remaining : "always",
      })),
      deliveries,
      restrictions: Object.fromEntries(ctx.restrictions),
      threadsOwnedByOtherApps: [...ctx.otherOwner],
      senderActions: ctx.senderActions,
    };
  }

  async function admin(req: Req): Promise<Reply> {
    const route = `${req.method} ${req.path}`;
    if (req.method === "OPTIONS") return { status: 204, body: "" };
    const bodyJson = () => {
      try {
        return req.raw.length === 0 ? {} : (JSON.parse(req.raw.toString("utf8")) as unknown);
      } catch {
        return undefined;
      }
    };
    switch (route) {
      case "GET /_sim/state":
        return json(200, publicState());
      case "GET /_sim/faults":
        return json(200, publicState().faults);
      case "POST /_sim/faults": {
        const parsed = faultSchema.safeParse(bodyJson());
        if (!parsed.success) return json(400, { error: "invalid fault", issues: parsed.error.issues });
        injectFault(parsed.data);
        return json(201, { faults: publicState().faults });
      }
      case "DELETE /_sim/faults":
        state.faults = [];
        return json(200, { faults: [] });
      case "POST /_sim/customer-message": {
        const parsed = customerMessageSchema.safeParse(bodyJson());
        if (!parsed.success)
          return json(400, { error: "invalid customer message", issues: parsed.error.issues });
        try {
          const result = await sendCustomerMessage(parsed.data);
          return json(200, result);
        } catch (error) {
          return json(502, {
            error: `delivery failed: ${error instanceof Error ? error.message : String(error)}`,
          });
        }
      }
      case "POST /_sim/clock": {
        const parsed = z.object({ advanceMs: z.number().int().nonnegative() }).safeParse(bodyJson());
        if (!parsed.success) return json(400, { error: "expected {advanceMs}" });
        state.clockOffset += parsed.data.advanceMs;
        return json(200, { now: now() });
      }
      case "POST /_sim/throttle": {
        const parsed = throttleSchema.safeParse(bodyJson());
        if (!parsed.success) return json(400, { error: "invalid throttle", issues: parsed.error.issues });
        ctx.usage.throttle(parsed.data, ctx.defaultAccount().igId);
        return json(201, { ok: true });
      }
      case "DELETE /_sim/throttle":
        ctx.usage.clear();
        return json(200, { ok: true });
      case "POST /_sim/account-restriction": {
        const parsed = restrictionSchema.safeParse(bodyJson());
        if (!parsed.success) return json(400, { error: "invalid restriction", issues: parsed.error.issues });
        const account = ctx.accountById(parsed.data.igAccountId ?? ctx.defaultAccount().igId);
        if (account === undefined) return json(400, { error: "unknown account" });
        if (parsed.data.restriction === null) ctx.restrictions.delete(account.igId);
        else ctx.restrictions.set(account.igId, parsed.data.restriction);
        return json(200, { restrictions: Object.fromEntries(ctx.restrictions) });
      }
      case "POST /_sim/thread-owner": {
        const parsed = ownerSchema.safeParse(bodyJson());
        if (!parsed.success) return json(400, { error: "invalid thread owner", issues: parsed.error.issues });
        const key = ctx.windowKey(parsed.data.igAccountId ?? ctx.defaultAccount().igId, parsed.data.igsid);
        if (parsed.data.owner === "other") ctx.otherOwner.add(key);
        else ctx.otherOwner.delete(key);
        return json(200, { threadsOwnedByOtherApps: [...ctx.otherOwner] });
      }
      case "POST /_sim/customer-tap": {
        const parsed = tapSchema.safeParse(bodyJson());
        if (!parsed.success) return json(400, { error: "invalid tap", issues: parsed.error.issues });
        const { kind, mid, ...input } = parsed.data;
        if ((kind === "quick_reply" || kind === "button") && mid === undefined) {
          return json(400, { error: "mid is required for quick_reply and button taps" });
        }
        try {
          const result =
            kind === "ice_breaker" || kind === "menu"
              ? await tapProfile({ ...input, kind })
              : kind === "quick_reply"
                ? await rich.tapQuickReply({ ...input, mid: mid ?? "" })
                : await rich.tapButton({ ...input, mid: mid ?? "" });
          return json(200, result);
        } catch (error) {
          return json(404, { error: error instanceof Error ? error.message : String(error) });
        }
      }
      case "GET /_sim/customer-view": {
        const igsid = req.query.get("igsid");
        const account = ctx.accountById(req.query.get("igAccountId") ?? ctx.defaultAccount().igId);
        if (igsid === null || account === undefined)
          return json(400, { error: "expected igsid (and a known igAccountId)" });
        return json(200, { messages: rich.customerView(account.igId, igsid) });
      }
      case "GET /_sim/health":
        return json(200, { ok: true });
      default:
        return json(404, { error: `no simulator admin route ${route}` });
    }
  }

  return { admin, publicState };
}
