import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { adminRoutes } from "./admin-routes";
import { attachmentUploads } from "./attachment-uploads";
import { createSimContext } from "./context";
import { facebookRoutes } from "./facebook-graph";
import { GraphErrors } from "./graph-errors";
import { graphRoutes } from "./graph-routes";
import { type Answer, DROP, formOf, graph, mask, type Reply, type Req, readBody } from "./http";
import { messengerProfileRoutes } from "./messenger-profile";
import {
  EXCHANGED_EXPIRES_IN,
  KNOWN_SCOPES,
  type MetaSimulator,
  type RecordedRequest,
  SHORT_LIVED_MS,
  type SignedRequestUserId,
  type SimAccount,
  type SimOptions,
} from "./model";
import { oauthRoutes } from "./oauth-routes";
import { readRoutes } from "./read-routes";
import { richSender } from "./rich-send";
import { maxInAnyHour } from "./rolling-hour";

export * from "./model";

/**
 * The id a deauthorize / data-deletion `signed_request` carries. Meta documents `user_id` as the app-scoped id;
 * the other choices let a test prove the receiver also copes with the account id. The token exchange's
 * `user_id` is the app-scoped id in this simulator, as observed live.
 */
function userIdOf(account: SimAccount, kind: SignedRequestUserId | undefined): string {
  return kind === "ig_account" ? account.igId : account.appScopedId;
}

/** The simulator's own routes are callable from a dev console page on another local origin. */
const ADMIN_CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
  "access-control-allow-headers": "content-type",
};

/** Starts the simulator on 127.0.0.1 (random port unless `port` is given). */
export async function startMetaSimulator(options: SimOptions): Promise<MetaSimulator> {
  const ctx = createSimContext(options);
  const { state, now, tokens, sent, recorded, subscriptions, pending, timers } = ctx;
  const oauth = oauthRoutes(ctx);
  const rich = richSender(ctx);
  const profile = messengerProfileRoutes(ctx);
  const graphApi = graphRoutes(ctx, rich);
  const { admin } = adminRoutes(ctx, rich, profile.tapProfile);
  const reads = readRoutes(ctx);
  const uploads = attachmentUploads(ctx);
  const facebook = facebookRoutes(ctx, options, graphApi.sendAs, uploads, profile.messengerProfileOf);

  /**
   * Graph object calls: refused while the account (or app) is throttled, counted, and answered with the usage
   * headers Meta puts on every answer, successes and errors alike (Graph API rate-limiting page).
   */
  async function graphCall(req: Req, handler: () => Answer | Promise<Answer>): Promise<Answer> {
    const igId = ctx.tokenAccountId(req) ?? facebook.tokenAccountId(req);
    const throttle = ctx.usage.throttled(igId);
    if (throttle !== undefined) {
      return { ...graph(GraphErrors.rateLimited(throttle.code)), headers: ctx.usage.headers(igId) };
    }
    ctx.usage.record(igId);
    const answer = await handler();
    if (answer === DROP) return answer;
    return { ...answer, headers: { ...ctx.usage.headers(igId), ...answer.headers } };
  }

  function route(req: Req): Answer | Promise<Answer> {
    const { method, path } = req;
    if (path.startsWith("/_sim/facebook/")) return facebook.admin(req);
    if (path.startsWith("/_sim/")) return admin(req);
    // www.facebook.com's Login dialog and graph.facebook.com's versioned token endpoint (Facebook flavour);
    // api.instagram.com's `/oauth/access_token` is unversioned, so the two never collide.
    if (/^\/v\d+\.\d+\/dialog\/oauth\/?$/.test(path)) {
      if (method === "GET") return facebook.oauth.getDialog(req);
      if (method === "POST") return facebook.oauth.postDialog(req);
    }
    if (/^\/v\d+\.\d+\/oauth\/access_token$/.test(path) && method === "GET") {
      return facebook.oauth.getAccessToken(req);
    }
    if (path === "/oauth/authorize" && method === "GET") return oauth.getAuthorize(req);
    if (path === "/oauth/authorize" && method === "POST") return oauth.postAuthorize(req);
    if (path === "/oauth/access_token" && method === "POST") return oauth.postCodeExchange(req);
    if (path === "/access_token" && method === "GET") return oauth.getLongLivedExchange(req);
    if (path === "/refresh_access_token" && method === "GET") return oauth.getRefresh(req);
    // Graph paths: /{version}/{id}[/{edge}], the version being optional as on graph.instagram.com.
    const versioned = /^(?:\/v\d+\.\d+)?\/([^/]+)(?:\/([^/]+))?\/?$/.exec(path);
    const id = versioned?.[1];
    if (id !== undefined) {
      // Facebook tokens (and debug_token) belong to graph.facebook.com; each host accepts only its own tokens.
      const edge = versioned?.[2];
      const fbHost = id === "debug_token" || facebook.ownsRequest(req);
      return graphCall(req, () => (fbHost ? facebook.route(req, id, edge) : graphRoute(req, id, edge)));
    }
    return graph(method === "GET" ? GraphErrors.unsupportedGet() : GraphErrors.unsupportedPost());
  }

  function graphRoute(req: Req, id: string, edge: string | undefined): Answer | Promise<Answer> {
    const { method } = req;
    if (id === "me" && edge === undefined && method === "GET") return graphApi.getMe(req);
    if (edge === undefined && method === "GET") return reads.getNode(req, id);
    if (edge === "conversations" && method === "GET") return reads.getConversations(req, id);
    if (edge === "subscribed_apps" && ["GET", "POST", "DELETE"].includes(method)) {
      return graphApi.subscribedApps(req, id);
    }
    if (edge === "messages" && method === "POST") return graphApi.postMessage(req, id);
    if (edge === "messenger_profile" && ["GET", "POST", "DELETE"].includes(method)) {
      return profile.messengerProfile(req, id);
    }
    if (id === "me" && edge === "permissions" && method === "DELETE") return graphApi.revokePermissions(req);
    return graph(method === "GET" ? GraphErrors.unsupportedGet() : GraphErrors.unsupportedPost());
  }

  function record(req: Req, status: number): void {
    let body: unknown;
    if (
      req.form === undefined &&
      req.raw.length > 0 &&
      req.headers["content-type"]?.startsWith("application/json")
    ) {
      try {
        body = JSON.parse(req.raw.toString("utf8"));
      } catch {
        body = undefined;
      }
    }
    const entry: RecordedRequest = {
      method: req.method,
      path: req.path,
      query: mask(req.query),
      ...(req.form === undefined ? {} : { form: mask(req.form) }),
      ...(body === undefined ? {} : { json: body }),
      hasBearer: req.headers.authorization?.startsWith("Bearer ") === true,
      status,
      at: now(),
    };
    recorded.push(entry);
  }

  async function handle(incoming: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(incoming.url ?? "/", "http://simulator.local");
    const raw = await readBody(incoming);
    const headers = incoming.headers;
    const req: Req = {
      method: incoming.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers,
      raw,
      form: await formOf(raw, headers["content-type"]),
    };
    const isAdmin = req.path.startsWith("/_sim/");
    const answer = await route(req);
    if (!isAdmin) record(req, answer === DROP ? 0 : answer.status);
    if (answer === DROP) {
      res.destroy();
      return;
    }
    const reply: Reply = answer;
    res.writeHead(reply.status, {
      "content-type": reply.contentType ?? "application/json; charset=UTF-8",
      ...(reply.status >= 400 && reply.contentType === undefined
        ? { "www-authenticate": 'OAuth "Facebook Platform"' }
        : {}),
      ...(isAdmin ? ADMIN_CORS : {}),
      ...reply.headers,
    });
    res.end(reply.body);
  }

  const server = createServer((incoming, res) => {
    handle(incoming, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: { message: `simulator failure: ${String(error)}`, type: "SimulatorError", code: 1 },
        }),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    facebook: facebook.helpers,
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...pending]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async authorize(input) {
      const reply = oauth.authorizeDecision(input);
      const location = reply.headers?.location;
      if (location === undefined) {
        throw new Error(`authorize refused: ${reply.body.replace(/<[^>]+>/g, " ").trim()}`);
      }
      return location;
    },
    issueToken(input = {}) {
      const igId = ctx.accountOrThrow(input.igAccountId).igId;
      const kind = input.kind ?? "long";
      const expiresIn = kind === "long" ? EXCHANGED_EXPIRES_IN : SHORT_LIVED_MS / 1000;
      return ctx.issue(igId, kind, [...KNOWN_SCOPES].slice(0, 2), now() - (input.ageMs ?? 0), expiresIn);
    },
    invalidateToken(token) {
      const found = tokens.get(token);
      if (found !== undefined) found.invalidated = true;
    },
    injectFault: ctx.injectFault,
    clearFaults() {
      state.faults = [];
    },
    faults: () => state.faults.map((f) => f.spec),
    sentMessages: (igAccountId) =>
      sent.filter((m) => igAccountId === undefined || m.igAccountId === igAccountId),
    requests: () => [...recorded],
    deliveries: () => [...ctx.deliveries],
    subscriptions: (igAccountId) => [...(subscriptions.get(igAccountId ?? ctx.defaultAccount().igId) ?? [])],
    openWindow(input) {
      const igId = input.igAccountId ?? ctx.defaultAccount().igId;
      ctx.windows.set(ctx.windowKey(igId, input.igsid), input.at ?? now());
    },
    sendCustomerMessage: ctx.sendCustomerMessage,
    deliver: ctx.deliver,
    setWebhookUrl(next) {
      state.webhookUrl = next;
    },
    setTokenResponseShape(shape) {
      state.tokenShape = shape;
    },
    advance(ms) {
      state.clockOffset += ms;
    },
    now,
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async deauthorize(input) {
      const account = ctx.accountOrThrow(input.igAccountId);
      ctx.invalidateAccountTokens(account.igId);
      subscriptions.delete(account.igId);
      const issuedAt = Math.floor(now() / 1000);
      return ctx.postSignedRequest(
        input.url,
        { algorithm: "HMAC-SHA256", issued_at: issuedAt, user_id: userIdOf(account, input.userId) },
        input.secret,
      );
    },
    async requestDataDeletion(input) {
      const account = ctx.accountOrThrow(input.igAccountId);
      const issuedAt = Math.floor(now() / 1000);
      return ctx.postSignedRequest(
        input.url,
        {
          algorithm: "HMAC-SHA256",
          expires: issuedAt + 3600,
          issued_at: issuedAt,
          user_id: userIdOf(account, input.userId),
        },
        input.secret,
      );
    },
    throttle(input = {}) {
      ctx.usage.throttle(input, ctx.defaultAccount().igId);
    },
    setAccountRestriction(igAccountId, restriction) {
      const igId = ctx.accountOrThrow(igAccountId).igId;
      if (restriction === undefined) ctx.restrictions.delete(igId);
      else ctx.restrictions.set(igId, restriction);
    },
    setThreadOwner(input) {
      const key = ctx.windowKey(ctx.accountOrThrow(input.igAccountId).igId, input.igsid);
      if (input.owner === "other") ctx.otherOwner.add(key);
      else ctx.otherOwner.delete(key);
    },
    tapQuickReply: rich.tapQuickReply,
    tapButton: rich.tapButton,
    tapProfile: profile.tapProfile,
    customerView: (input) => rich.customerView(input.igAccountId, input.igsid),
    messengerProfile: (igAccountId) => profile.state(ctx.accountOrThrow(igAccountId).igId),
    uploadedAttachments: () => uploads.list(),
    senderActions: (igAccountId) =>
      ctx.senderActions.filter((a) => igAccountId === undefined || a.igAccountId === igAccountId),
    setCustomer(customer) {
      ctx.customers.set(customer.igsid, customer);
    },
    async verifyWebhook(input) {
      const target = input.url ?? state.webhookUrl;
      if (target === undefined) throw new Error("No webhook URL configured for the Meta simulator");
      const challenge = String(1_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
      const url = new URL(target);
      url.searchParams.set("hub.mode", "subscribe");
      url.searchParams.set("hub.challenge", challenge);
      url.searchParams.set("hub.verify_token", input.verifyToken);
      const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
      const body = await res.text();
      return { status: res.status, body, challenge, verified: res.status === 200 && body === challenge };
    },
    maxSendsInAnyHour(igAccountId) {
      const igId = igAccountId ?? ctx.defaultAccount().igId;
      return maxInAnyHour(sent.filter((m) => m.igAccountId === igId).map((m) => m.at));
    },
  };
}
