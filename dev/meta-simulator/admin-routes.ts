import * as z from "zod";
import { MEDIA_ATTACHMENT_TYPES } from "../../lambdas/contract/vocabulary";
import type { SimContext } from "./context";
import { json, type Reply, type Req } from "./http";
import { faultSchema } from "./model";

/**
 * The simulator's own admin API under `/_sim/` (state, faults, customer messages, clock). It never shows
 * tokens, codes or secrets. CORS-open so a local dev console can call it.
 */
export function adminRoutes(ctx: SimContext) {
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
      case "GET /_sim/health":
        return json(200, { ok: true });
      default:
        return json(404, { error: `no simulator admin route ${route}` });
    }
  }

  return { admin, publicState };
}
