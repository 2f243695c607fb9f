import * as z from "zod";
import type { AttachmentUploads, ResolveAttachment } from "./attachment-uploads";
import type { SimContext } from "./context";
import {
  type FacebookSimulator,
  type FacebookTokenRecord,
  InvalidationReasons,
  PAGE_SUBSCRIBABLE_FIELDS,
  type SimFacebookPage,
} from "./facebook-model";
import { facebookOAuthRoutes } from "./facebook-oauth";
import { createFacebookState, FacebookErrors, type FacebookOptions } from "./facebook-state";
import { GraphErrors } from "./graph-errors";
import { type Answer, graph, json, type Reply, type Req, splitList } from "./http";

/** Splits a Graph `fields` list at top-level commas: `a,b{c,d}` → `a`, `b{c,d}`. */
function topLevelFields(raw: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of raw) {
    if (ch === "{") depth += 1;
    if (ch === "}") depth -= 1;
    if (ch === "," && depth === 0) {
      out.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (current.trim() !== "") out.push(current.trim());
  return out.filter((f) => f !== "");
}

const PAGE_FIELDS = ["id", "name", "access_token", "category", "tasks", "instagram_business_account"];
const IG_FIELDS = ["id", "username", "name", "profile_picture_url"];
/** `/me/accounts` without `fields` (Graph's default set for the edge). */
const DEFAULT_ACCOUNT_FIELDS = "access_token,category,name,id,tasks";

/**
 * graph.facebook.com for the Facebook Login flavour: `/me`, `/me/accounts`, Page nodes, `/<PAGE_ID>/subscribed_apps`,
 * `/<PAGE_ID>/messages` (the Send API with a Page token) and `/debug_token`, plus `sim.facebook` and its admin route.
 */
export function facebookRoutes(
  ctx: SimContext,
  options: FacebookOptions,
  sendAs: (req: Req, igId: string, resolveAttachment?: ResolveAttachment) => Promise<Answer>,
  uploads: AttachmentUploads,
  profileOf: (req: Req, igId: string, onPage: true) => Promise<Answer>,
) {
  const fb = createFacebookState(ctx, options);
  const oauth = facebookOAuthRoutes(ctx, fb);

  /** A Page as Graph shows it, for the requested fields; unknown fields are error 100. */
  function pageNode(
    page: SimFacebookPage,
    fields: string[],
    user: FacebookTokenRecord,
  ): { node: Record<string, unknown> } | Reply {
    const out: Record<string, unknown> = {};
    for (const field of fields) {
      const [name = "", sub] = field.split(/\{(.*)\}$/);
      if (!PAGE_FIELDS.includes(name)) return graph(FacebookErrors.noSuchField(name, "Page"));
      if (name === "id") out.id = page.id;
      if (name === "name") out.name = page.name;
      if (name === "category") out.category = page.category ?? "Business";
      if (name === "tasks")
        out.tasks = ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"];
      if (name === "access_token") out.access_token = fb.issuePageToken(user, page.id);
      if (name === "instagram_business_account") {
        // A Page without a linked professional account has no such key at all (graph-responses.md §2.4).
        const account = page.igAccountId === undefined ? undefined : ctx.accountById(page.igAccountId);
        if (account === undefined) continue;
        const subFields = sub === undefined ? ["id"] : splitList(sub);
        const bad = subFields.find((f) => !IG_FIELDS.includes(f));
        if (bad !== undefined) return graph(FacebookErrors.noSuchField(bad, "User"));
        const values: Record<string, string | undefined> = {
          id: account.igId,
          username: account.username,
          name: account.name,
          profile_picture_url: account.profilePictureUrl,
        };
        const ig: Record<string, string> = {};
        for (const f of [...subFields, "id"]) {
          const v = values[f];
          if (v !== undefined) ig[f] = v;
        }
        out.instagram_business_account = ig;
      }
    }
    out.id = page.id;
    return { node: out };
  }

  /** `GET /me/accounts`: the granted Pages the person still has a role on, cursor-paged. */
  function getAccounts(req: Req, user: FacebookTokenRecord): Reply {
    if (user.kind === "page") return graph(FacebookErrors.noSuchField("accounts", "Page"));
    const person = fb.userById(user.userId);
    const pages = (person?.pages ?? []).filter(
      (p) => user.pageIds.includes(p.id) && fb.hasRole(user.userId, p.id),
    );
    const limit = Math.min(Math.max(Number(req.query.get("limit") ?? 25) || 25, 1), 100);
    const after = req.query.get("after");
    const start = after === null ? 0 : Number(Buffer.from(after, "base64url").toString("utf8")) + 1;
    if (!Number.isInteger(start) || start < 0) return graph(GraphErrors.invalidParameter("Invalid cursor"));
    const fields = topLevelFields(req.query.get("fields") ?? DEFAULT_ACCOUNT_FIELDS);
    const slice = pages.slice(start, start + limit);
    const data: Record<string, unknown>[] = [];
    for (const page of slice) {
      const node = pageNode(page, fields, user);
      if ("status" in node) return node;
      data.push(node.node);
    }
    const cursor = (i: number) => Buffer.from(String(i), "utf8").toString("base64url");
    const body: Record<string, unknown> = { data };
    if (slice.length > 0) {
      const last = start + slice.length - 1;
      const paging: Record<string, unknown> = { cursors: { before: cursor(start), after: cursor(last) } };
      if (last + 1 < pages.length) {
        const next = new URL(`http://graph.facebook.local${req.path}`);
        next.searchParams.set("limit", String(limit));
        next.searchParams.set("after", cursor(last));
        if (req.query.get("fields") !== null) next.searchParams.set("fields", req.query.get("fields") ?? "");
        paging.next = `${next.pathname}${next.search}`;
      }
      body.paging = paging;
    }
    return json(200, body);
  }

  /** The Page `id` names, as seen by this token: a Page token for it, or a user token granted it. */
  function pageFor(id: string, record: FacebookTokenRecord, verb: "get" | "post"): SimFacebookPage | Reply {
    const pageId = id === "me" ? record.pageId : id;
    const page = pageId === undefined ? undefined : fb.pageById(pageId);
    const allowed =
      page !== undefined &&
      (record.pageId === page.id || (record.kind !== "page" && record.pageIds.includes(page.id)));
    if (page === undefined || !allowed || !fb.hasRole(record.userId, page.id)) {
      return graph(GraphErrors.objectNotFound(pageId ?? id, verb));
    }
    return page;
  }

  async function subscribedApps(req: Req, id: string, record: FacebookTokenRecord): Promise<Answer> {
    const faulted = await ctx.applyFault(ctx.takeFault("subscribe", fb.pageById(id)?.igAccountId));
    if (faulted !== undefined) return faulted;
    const page = pageFor(id, record, req.method === "GET" ? "get" : "post");
    if ("status" in page) return page;
    if (record.kind !== "page") return graph(FacebookErrors.pageTokenRequired());
    if (req.method === "GET") {
      const fields = [...(fb.pageSubscriptions.get(page.id) ?? [])];
      const app = { category: "Business", link: "https://simulator.local/", name: "Simulated app" };
      return json(200, {
        data:
          fields.length === 0 ? [] : [{ ...app, id: fb.options.facebookAppId, subscribed_fields: fields }],
      });
    }
    if (req.method === "DELETE") {
      fb.unsubscribePage(page.id);
      return json(200, { success: true });
    }
    const raw = req.query.get("subscribed_fields") ?? req.form?.get("subscribed_fields");
    if (raw === null || raw === undefined || raw === "") {
      return graph(GraphErrors.invalidParameter("The parameter subscribed_fields is required"));
    }
    const fields = splitList(raw);
    const valid: readonly string[] = PAGE_SUBSCRIBABLE_FIELDS;
    const badIndex = fields.findIndex((f) => !valid.includes(f));
    if (badIndex >= 0) {
      return graph(
        GraphErrors.invalidParameter(
          `Param subscribed_fields[${badIndex}] must be one of {${PAGE_SUBSCRIBABLE_FIELDS.join(", ")}} - got "${fields[badIndex]}"`,
        ),
      );
    }
    fb.pageSubscriptions.set(page.id, new Set(fields));
    // From now on this account's Instagram events come through the Facebook app: signed with its secret.
    if (page.igAccountId !== undefined && fb.options.facebookAppSecret !== undefined) {
      ctx.webhookSecrets.set(page.igAccountId, fb.options.facebookAppSecret);
    }
    return json(200, { success: true });
  }

  async function postMessage(req: Req, id: string, record: FacebookTokenRecord): Promise<Answer> {
    const page = pageFor(id, record, "post");
    if ("status" in page) return page;
    if (record.kind !== "page") return graph(FacebookErrors.pageTokenRequired());
    if (page.igAccountId === undefined || ctx.accountById(page.igAccountId) === undefined) {
      return graph(GraphErrors.invalidParameter("The Page has no linked Instagram professional account"));
    }
    const pageId = page.id;
    return sendAs(req, page.igAccountId, (attachmentId, type) => uploads.resolve(pageId, attachmentId, type));
  }

  /** `POST /<PAGE_ID>/message_attachments` with that Page's token (R25). */
  async function messageAttachments(req: Req, id: string, record: FacebookTokenRecord): Promise<Answer> {
    const page = pageFor(id, record, "post");
    if ("status" in page) return page;
    if (record.kind !== "page") return graph(FacebookErrors.pageTokenRequired());
    return uploads.upload(req, page.id, page.igAccountId);
  }

  /** `GET /debug_token?input_token=…` with an app token (`id|secret`) or a user token of the same app. */
  function debugToken(req: Req): Reply {
    const caller = req.query.get("access_token") ?? req.headers.authorization?.replace(/^Bearer /, "");
    const appToken = `${fb.options.facebookAppId}|${fb.options.facebookAppSecret}`;
    const callerRecord = caller === undefined ? undefined : fb.tokens.get(caller);
    const callerOk =
      fb.options.facebookAppId !== undefined &&
      (caller === appToken ||
        (callerRecord !== undefined &&
          callerRecord.kind !== "page" &&
          fb.problemOf(callerRecord) === undefined));
    if (!callerOk) return graph(GraphErrors.cannotParseToken());
    const input = req.query.get("input_token");
    if (input === null || input === "")
      return graph(GraphErrors.invalidParameter("The parameter input_token is required"));
    const record = fb.tokens.get(input);
    if (record === undefined) {
      return json(200, {
        data: { error: { code: 190, message: "Invalid OAuth access token." }, is_valid: false, scopes: [] },
      });
    }
    const problem = fb.problemOf(record);
    const seconds = (ms: number) => Math.floor(ms / 1000);
    const pageScoped = record.scopes.filter((s) => s.startsWith("pages_") || s.startsWith("instagram_"));
    return json(200, {
      data: {
        app_id: fb.options.facebookAppId,
        type: record.kind === "page" ? "PAGE" : "USER",
        application: "Simulated app",
        data_access_expires_at: seconds(record.dataAccessExpiresAt),
        ...(problem === undefined
          ? {}
          : {
              error: {
                code: problem.body.error.code,
                message: problem.body.error.message,
                ...(problem.body.error.error_subcode === undefined
                  ? {}
                  : { subcode: problem.body.error.error_subcode }),
              },
            }),
        expires_at: record.expiresAt === 0 ? 0 : seconds(record.expiresAt),
        is_valid: problem === undefined,
        issued_at: seconds(record.issuedAt),
        ...(record.pageId === undefined ? {} : { profile_id: record.pageId }),
        scopes: record.scopes,
        granular_scopes: pageScoped.map((scope) => ({ scope, target_ids: record.pageIds })),
        user_id: record.userId,
      },
    });
  }

  /** Graph calls carrying a Facebook token (or `/debug_token`); `undefined` when not this flavour's. */
  function route(req: Req, id: string, edge: string | undefined): Answer | Promise<Answer> {
    if (id === "debug_token" && edge === undefined && req.method === "GET") return debugToken(req);
    const auth = fb.authenticate(req);
    if ("status" in auth) return auth;
    const { record } = auth;
    const { method } = req;
    if (id === "me" && edge === undefined && method === "GET") {
      if (record.kind === "page") {
        const page = fb.pageById(record.pageId ?? "");
        return json(200, { id: page?.id, name: page?.name });
      }
      return json(200, { id: record.userId, name: fb.userById(record.userId)?.name });
    }
    if (id === "me" && edge === "accounts" && method === "GET") return getAccounts(req, record);
    if (edge === "subscribed_apps" && ["GET", "POST", "DELETE"].includes(method)) {
      return subscribedApps(req, id, record);
    }
    if (edge === "messages" && method === "POST") return postMessage(req, id, record);
    if (edge === "message_attachments" && method === "POST") return messageAttachments(req, id, record);
    if (edge === "messenger_profile" && ["GET", "POST", "DELETE"].includes(method)) {
      // The linked Instagram account's ice breakers and menu, through its Page (IB-IGM).
      const page = pageFor(id, record, method === "GET" ? "get" : "post");
      if ("status" in page) return page;
      if (record.kind !== "page") return graph(FacebookErrors.pageTokenRequired());
      if (page.igAccountId === undefined)
        return graph(GraphErrors.invalidParameter("The Page has no linked Instagram professional account"));
      return profileOf(req, page.igAccountId, true);
    }
    if (edge === undefined && method === "GET") {
      const page = pageFor(id, record, "get");
      if ("status" in page) return page;
      const node = pageNode(page, topLevelFields(req.query.get("fields") ?? "id,name"), record);
      return "status" in node ? node : json(200, node.node);
    }
    return graph(method === "GET" ? GraphErrors.unsupportedGet() : GraphErrors.unsupportedPost());
  }

  const invalidateSchema = z.object({
    reason: z.enum(InvalidationReasons),
    userId: z.string().optional(),
    pageId: z.string().optional(),
  });

  /** `POST /_sim/facebook/invalidate {reason, userId?, pageId?}`. */
  function admin(req: Req): Reply {
    if (req.method === "OPTIONS") return { status: 204, body: "" };
    if (req.method !== "POST" || req.path !== "/_sim/facebook/invalidate") {
      return json(404, { error: `no simulator admin route ${req.method} ${req.path}` });
    }
    let body: unknown;
    try {
      body = JSON.parse(req.raw.toString("utf8"));
    } catch {
      return fb.adminError("expected JSON {reason, userId?, pageId?}");
    }
    const parsed = invalidateSchema.safeParse(body);
    if (!parsed.success) return fb.adminError("expected {reason: password_change|role_removal|app_removal}");
    try {
      return json(200, { invalidated: fb.invalidate(parsed.data) });
    } catch (error) {
      return fb.adminError(error instanceof Error ? error.message : String(error));
    }
  }

  async function signed(
    kind: "deauthorize" | "deletion",
    input: { url: string; userId?: string; secret?: string },
  ) {
    const user = fb.userOrThrow(input.userId);
    const secret = input.secret ?? fb.options.facebookAppSecret;
    if (secret === undefined) throw new Error("facebookAppSecret is not set");
    if (kind === "deauthorize") fb.invalidate({ reason: "app_removal", userId: user.id });
    const issuedAt = Math.floor(ctx.now() / 1000);
    const payload =
      kind === "deauthorize"
        ? { algorithm: "HMAC-SHA256", issued_at: issuedAt, user_id: user.id }
        : { algorithm: "HMAC-SHA256", expires: issuedAt + 3600, issued_at: issuedAt, user_id: user.id };
    return ctx.postSignedRequest(input.url, payload, secret);
  }

  const helpers: FacebookSimulator = {
    authorize(input) {
      const reply = oauth.decide({ ...input, clientId: input.clientId ?? fb.options.facebookAppId ?? "" });
      const location = reply.headers?.location;
      if (location === undefined)
        throw new Error(`dialog refused: ${reply.body.replace(/<[^>]+>/g, " ").trim()}`);
      return location;
    },
    issuePageToken: (input) => fb.seedPageToken(input),
    invalidate: (input) => fb.invalidate(input),
    subscriptions: (pageId) => [
      ...(fb.pageSubscriptions.get(pageId ?? fb.users[0]?.pages[0]?.id ?? "") ?? []),
    ],
    deauthorize: (input) => signed("deauthorize", input),
    requestDataDeletion: (input) => signed("deletion", input),
  };

  return {
    oauth,
    route,
    admin,
    helpers,
    ownsRequest: fb.ownsRequest,
    tokenAccountId: fb.tokenAccountId,
  };
}
