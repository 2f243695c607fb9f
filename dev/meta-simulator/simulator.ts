import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { consentPage, errorPage } from "./consent-page";
import { type GraphError, GraphErrors, igOAuthError } from "./graph-errors";
import { newAccessToken, newAuthCode, newMessageId } from "./ids";
import { metaJson, signedRequest, signMetaBody } from "./signing";
import * as Payloads from "./webhook-payloads";

/** An Instagram account the simulator knows (a person who can log in on the consent page). */
export interface SimAccount {
  /** IG professional account id: `/me.user_id`, webhook `entry.id`, the `<IG_ID>` in `/<IG_ID>/messages`. */
  readonly igId: string;
  /** App-scoped id: `/me.id` and the token exchange's `user_id`. */
  readonly appScopedId: string;
  readonly username: string;
  readonly name: string;
  /** `BUSINESS` or `MEDIA_CREATOR` for professional accounts; anything else (e.g. `PERSONAL`) is not one. */
  readonly accountType: string;
  readonly profilePictureUrl?: string;
  readonly followersCount?: number;
  readonly followsCount?: number;
  readonly mediaCount?: number;
}

/** The default test account (graph-responses.md fixtures). */
export const DEFAULT_ACCOUNT: SimAccount = {
  igId: "17841462871093525",
  appScopedId: "26913384755103422",
  username: "riviera.linen.studio",
  name: "Riviera Linen Studio",
  accountType: "BUSINESS",
  profilePictureUrl:
    "https://scontent-mad1-1.cdninstagram.com/v/t51.2885-19/487211394_1063_n.jpg?stp=dst-jpg_s206x206&_nc_cat=101&ccb=1-7&oh=00_AfB1x&oe=67D9A1B2",
  followersCount: 1284,
  followsCount: 211,
  mediaCount: 96,
};

/** A non-professional account, for "not a professional account" rejection tests (add it via `accounts`). */
export const EXAMPLE_PERSONAL_ACCOUNT: SimAccount = {
  igId: "17841400000000001",
  appScopedId: "26900000000000001",
  username: "someone.personal",
  name: "Someone Personal",
  accountType: "PERSONAL",
};

/** The default customer (IGSID) of the fixtures. */
export const DEFAULT_CUSTOMER_IGSID = "3416870925138842";

export const FaultKinds = [
  "rate_limit",
  "window_closed",
  "token_expired",
  "transient",
  "server_error",
  "timeout",
  "slow",
  "recipient_unavailable",
  "permission_missing",
  "sent_but_invalid_reply",
] as const;
export type FaultKind = (typeof FaultKinds)[number];

/** Which endpoint a fault applies to. */
export const FaultTargets = [
  "send",
  "code_exchange",
  "long_lived_exchange",
  "refresh",
  "profile",
  "subscribe",
  "any",
] as const;
export type FaultTarget = (typeof FaultTargets)[number];

const faultSchema = z.object({
  kind: z.enum(FaultKinds),
  /** How many matching requests it applies to (default 1), or "always" until cleared. */
  count: z.union([z.number().int().positive(), z.literal("always")]).optional(),
  /** `slow`: delay before answering normally (default 1500 ms). `timeout`: delay before dropping the connection (default 30 s). */
  delayMs: z.number().int().nonnegative().optional(),
  /** Default `send`. */
  target: z.enum(FaultTargets).optional(),
  /** Only requests for this IG account (Send API, subscribe). */
  igAccountId: z.string().optional(),
  /** `rate_limit` only: which code (613 with subcode 2534040 by default; 4, 17, 32, 80001, 80002, 80006). */
  code: z.number().int().optional(),
  /** `rate_limit` only: `estimated_time_to_regain_access` (minutes) in the usage header (default 1). */
  regainAccessMinutes: z.number().int().nonnegative().optional(),
});
export type Fault = z.input<typeof faultSchema>;

export interface SentMessage {
  readonly igAccountId: string;
  readonly recipientId: string;
  readonly messageId: string;
  readonly text?: string;
  readonly attachment?: { readonly type: string; readonly url: string };
  readonly messagingType?: string;
  readonly tag?: string;
  /** Simulator clock, Unix ms. */
  readonly at: number;
  /** `invalid_reply`: recorded as sent but answered with 1/1357046. */
  readonly answer: "ok" | "invalid_reply";
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Query parameters; `access_token`, `client_secret` and `code` values are masked. */
  readonly query: Record<string, string>;
  /** Form fields of url-encoded/multipart bodies, masked like the query. */
  readonly form?: Record<string, string>;
  /** Parsed JSON body (Send API). */
  readonly json?: unknown;
  readonly hasBearer: boolean;
  /** The answer's HTTP status; 0 when the connection was dropped (`timeout` fault). */
  readonly status: number;
  readonly at: number;
}

export interface Delivery {
  readonly at: number;
  readonly kind: "customer_message" | "echo" | "custom";
  readonly status: number;
  readonly error?: string;
}

export interface SimOptions {
  readonly port?: number;
  readonly appId: string;
  readonly appSecret: string;
  /** Where webhook events are POSTed (can be set later with `setWebhookUrl`). */
  readonly webhookUrl?: string;
  /** Signs deliveries; defaults to `appSecret`. */
  readonly webhookSecret?: string;
  /** Clock (Unix ms); `advance(ms)` adds to it. */
  readonly now?: () => number;
  /** Known accounts; the first is the default. Defaults to `[DEFAULT_ACCOUNT]`. */
  readonly accounts?: SimAccount[];
  /** Code exchange body: `observed` (flat, numeric user_id, default) or `documented` (`{data:[…]}`). */
  readonly tokenResponseShape?: "observed" | "documented";
  /** Registered redirect URIs; when given, authorize rejects others. */
  readonly redirectUris?: string[];
  /** Deliver the signed echo of each accepted send to the webhook (default true when a webhook URL is set). */
  readonly deliverEchoes?: boolean;
  /** When set, a send that would put more than this many sends of one account in a rolling hour gets 613/2534040. */
  readonly sendCapPerHour?: number;
}

export interface CustomerMessageInput {
  readonly igAccountId?: string;
  readonly igsid?: string;
  readonly text?: string;
  readonly attachments?: readonly Payloads.Attachment[];
  readonly mid?: string;
}

export interface CustomerMessageResult {
  readonly igAccountId: string;
  readonly igsid: string;
  readonly mid: string;
  readonly timestamp: number;
  /** Absent when no webhook URL is configured (the window is still opened). */
  readonly delivery?: { readonly status: number; readonly body: string };
}

/** A running simulator and its programmatic helpers. */
export interface MetaSimulator {
  readonly url: string;
  stop(): Promise<void>;
  /** Runs the consent step without a browser; resolves to the redirect URL (with `code` or `error`). */
  authorize(input: {
    clientId: string;
    redirectUri: string;
    scope: string;
    state?: string;
    username?: string;
    deny?: boolean;
  }): Promise<string>;
  /** Issues a token directly (skipping OAuth), e.g. to seed an integration. `ageMs` back-dates it. */
  issueToken(input?: { igAccountId?: string; kind?: "short" | "long"; ageMs?: number }): string;
  /** Makes a token invalid (Meta answers 190/460 for it from now on). */
  invalidateToken(token: string): void;
  injectFault(fault: Fault): void;
  clearFaults(): void;
  faults(): Fault[];
  sentMessages(igAccountId?: string): SentMessage[];
  requests(): RecordedRequest[];
  deliveries(): Delivery[];
  subscriptions(igAccountId?: string): string[];
  /** Records a customer message at `at` (default now) so the reply window is open, without delivering anything. */
  openWindow(input: { igAccountId?: string; igsid: string; at?: number }): void;
  /** Builds a customer DM, opens the window and delivers it signed to the webhook. */
  sendCustomerMessage(input: CustomerMessageInput): Promise<CustomerMessageResult>;
  /** POSTs a payload to the webhook signed as Meta signs (objects are serialised with `metaJson`). */
  deliver(
    payload: object | string,
    options?: { secret?: string; kind?: Delivery["kind"]; escapeSlashes?: boolean },
  ): Promise<{ status: number; body: string }>;
  setWebhookUrl(url: string | undefined): void;
  setTokenResponseShape(shape: "observed" | "documented"): void;
  /** Moves the simulator clock forward. */
  advance(ms: number): void;
  now(): number;
  /** Resolves when every echo delivery started so far has finished. */
  idle(): Promise<void>;
  /** Largest number of sends of one account inside any rolling hour so far. */
  maxSendsInAnyHour(igAccountId?: string): number;
  /**
   * The user removes the app: every token of the account becomes invalid (190/460) and a `signed_request`
   * (`user_id` = app-scoped id) is POSTed form-encoded to the deauthorize callback `url`.
   */
  deauthorize(input: {
    url: string;
    igAccountId?: string;
    secret?: string;
  }): Promise<{ status: number; body: string }>;
  /** The user asks for data deletion: POSTs a `signed_request` (with `expires`) to the data-deletion callback `url`. */
  requestDataDeletion(input: {
    url: string;
    igAccountId?: string;
    secret?: string;
  }): Promise<{ status: number; body: string }>;
  /** The dashboard's "Verify and save": GET the webhook with hub.mode/hub.verify_token/hub.challenge. */
  verifyWebhook(input: {
    verifyToken: string;
    url?: string;
  }): Promise<{ status: number; body: string; challenge: string; verified: boolean }>;
}

/** Fields `/me` accepts on graph.instagram.com (Instagram Login); anything else is error 100. */
export const PROFILE_FIELDS = [
  "id",
  "user_id",
  "username",
  "name",
  "account_type",
  "profile_picture_url",
  "followers_count",
  "follows_count",
  "media_count",
] as const;

/** Webhook fields an Instagram account can be subscribed to. */
export const SUBSCRIBABLE_FIELDS = [
  "messages",
  "message_reactions",
  "messaging_postbacks",
  "messaging_seen",
  "messaging_referral",
  "messaging_optins",
  "message_edit",
  "messaging_handover",
  "standby",
  "comments",
  "mentions",
] as const;

const KNOWN_SCOPES = new Set([
  "instagram_business_basic",
  "instagram_business_manage_messages",
  "instagram_business_manage_comments",
  "instagram_business_content_publish",
  "instagram_business_manage_insights",
]);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SHORT_LIVED_MS = HOUR;
const EXCHANGED_EXPIRES_IN = 5_183_944;
const REFRESHED_EXPIRES_IN = 5_184_000;
const CODE_TTL_MS = HOUR;
const TEXT_LIMIT = 1000;
const MASKED_PARAMS = new Set(["access_token", "client_secret", "code"]);

interface TokenRecord {
  readonly igId: string;
  readonly kind: "short" | "long";
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly scopes: string[];
  invalidated: boolean;
}

interface CodeRecord {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly igId: string;
  readonly scopes: string[];
  readonly issuedAt: number;
  used: boolean;
}

interface ActiveFault {
  readonly spec: Fault;
  remaining: number;
}

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
}

interface Req {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
  readonly raw: Buffer;
  readonly form: URLSearchParams | undefined;
}

const json = (status: number, value: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body: JSON.stringify(value),
  headers,
});
const graph = (e: GraphError): Reply => json(e.status, e.body);
const html = (status: number, body: string): Reply => ({
  status,
  body,
  contentType: "text/html; charset=utf-8",
});
const redirect = (location: string): Reply => ({ status: 302, body: "", headers: { location } });

/** A dropped connection (the `timeout` fault). */
const DROP = Symbol("drop");

function mask(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) out[k] = MASKED_PARAMS.has(k) ? "***" : v;
  return out;
}

function splitList(value: string | null): string[] {
  return (value ?? "").split(/[,\s]+/).filter((s) => s !== "");
}

function withParams(base: string, params: [string, string][], fragment = ""): string {
  const url = new URL(base);
  for (const [k, v] of params) url.searchParams.append(k, v);
  return `${url.toString()}${fragment}`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > 1_048_576) throw new Error("body too large");
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

async function formOf(raw: Buffer, contentType: string | undefined): Promise<URLSearchParams | undefined> {
  if (contentType === undefined) return undefined;
  if (contentType.startsWith("application/x-www-form-urlencoded"))
    return new URLSearchParams(raw.toString("utf8"));
  if (contentType.startsWith("multipart/form-data")) {
    const data = await new Response(new Uint8Array(raw), {
      headers: { "content-type": contentType },
    }).formData();
    const out = new URLSearchParams();
    for (const [k, v] of data) if (typeof v === "string") out.append(k, v);
    return out;
  }
  return undefined;
}

/** Starts the simulator on 127.0.0.1 (random port unless `port` is given). */
export async function startMetaSimulator(options: SimOptions): Promise<MetaSimulator> {
  const accounts = [...(options.accounts ?? [DEFAULT_ACCOUNT])];
  const baseNow = options.now ?? (() => Date.now());
  let offset = 0;
  const now = () => baseNow() + offset;
  let webhookUrl = options.webhookUrl;
  let tokenShape = options.tokenResponseShape ?? "observed";

  const tokens = new Map<string, TokenRecord>();
  const codes = new Map<string, CodeRecord>();
  const subscriptions = new Map<string, Set<string>>();
  const windows = new Map<string, number>();
  const sent: SentMessage[] = [];
  const recorded: RecordedRequest[] = [];
  const deliveries: Delivery[] = [];
  let faults: ActiveFault[] = [];
  const pending = new Set<Promise<unknown>>();
  const timers = new Set<NodeJS.Timeout>();

  const accountById = (igId: string) => accounts.find((a) => a.igId === igId);
  const defaultAccount = (): SimAccount => {
    const first = accounts[0];
    if (first === undefined) throw new Error("The simulator has no accounts");
    return first;
  };
  const windowKey = (igId: string, igsid: string) => `${igId}:${igsid}`;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  function takeFault(target: Exclude<FaultTarget, "any">, igId?: string): Fault | undefined {
    const active = faults.find(
      (f) =>
        ((f.spec.target ?? "send") === target || f.spec.target === "any") &&
        (f.spec.igAccountId === undefined || f.spec.igAccountId === igId),
    );
    if (active === undefined) return undefined;
    active.remaining -= 1;
    if (active.remaining <= 0) faults = faults.filter((f) => f !== active);
    return active.spec;
  }

  /** Applies a fault: `undefined` means carry on normally (after any delay). */
  async function applyFault(
    fault: Fault | undefined,
    igId?: string,
  ): Promise<Reply | typeof DROP | undefined> {
    if (fault === undefined) return undefined;
    switch (fault.kind) {
      case "slow":
        await sleep(fault.delayMs ?? 1500);
        return undefined;
      case "timeout":
        await sleep(fault.delayMs ?? 30_000);
        return DROP;
      case "rate_limit": {
        const reply = graph(GraphErrors.rateLimited(fault.code ?? 613));
        return igId === undefined
          ? reply
          : { ...reply, headers: throttledHeaders(igId, fault.regainAccessMinutes ?? 1) };
      }
      case "window_closed":
        return graph(GraphErrors.windowClosed());
      case "token_expired":
        return graph(GraphErrors.tokenExpired());
      case "transient":
        return graph(GraphErrors.transient());
      case "server_error":
        return graph(GraphErrors.serverError());
      case "recipient_unavailable":
        return graph(GraphErrors.recipientUnavailable());
      case "permission_missing":
        return graph(GraphErrors.permissionMissing());
      case "sent_but_invalid_reply":
        return undefined;
    }
  }

  function issue(
    igId: string,
    kind: "short" | "long",
    scopes: string[],
    issuedAt: number,
    expiresInS: number,
  ) {
    const token = newAccessToken();
    tokens.set(token, {
      igId,
      kind,
      issuedAt,
      expiresAt: issuedAt + expiresInS * 1000,
      scopes,
      invalidated: false,
    });
    return token;
  }

  function tokenOf(req: Req): string | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
    return req.query.get("access_token") ?? req.form?.get("access_token") ?? undefined;
  }

  /** Resolves the request's token or answers the 190 envelope Meta gives. */
  function authenticate(req: Req): { record: TokenRecord; account: SimAccount } | Reply {
    const token = tokenOf(req);
    if (token === undefined || token === "") {
      return json(400, {
        error: {
          message: "An active access token must be used to query information about the current user.",
          type: "OAuthException",
          code: 2500,
          fbtrace_id: "AHxS0cJ7pdAuMw3BOfyYtS0",
        },
      });
    }
    const record = tokens.get(token);
    if (record === undefined)
      return graph(token.startsWith("IGAA") ? GraphErrors.invalidToken() : GraphErrors.cannotParseToken());
    if (record.invalidated) return graph(GraphErrors.tokenInvalidated());
    if (now() >= record.expiresAt) return graph(GraphErrors.tokenExpired());
    const account = accountById(record.igId);
    if (account === undefined) return graph(GraphErrors.invalidToken());
    return { record, account };
  }

  function authorizeDecision(input: {
    clientId: string;
    redirectUri: string;
    scope: string;
    state?: string;
    username?: string;
    deny?: boolean;
  }): Reply {
    const problem = validateAuthorize(input.clientId, input.redirectUri, "code", input.scope);
    if (problem !== undefined) return html(400, errorPage(problem));
    const stateParam: [string, string][] = input.state === undefined ? [] : [["state", input.state]];
    if (input.deny === true) {
      const url = new URL(input.redirectUri);
      url.searchParams.append("error", "access_denied");
      url.searchParams.append("error_reason", "user_denied");
      url.searchParams.append("error_description", "The user denied your request");
      for (const [k, v] of stateParam) url.searchParams.append(k, v);
      return redirect(url.toString());
    }
    const account =
      input.username === undefined ? defaultAccount() : accounts.find((a) => a.username === input.username);
    if (account === undefined) return html(400, errorPage(`Unknown account ${input.username}`));
    const code = newAuthCode();
    codes.set(code, {
      clientId: input.clientId,
      redirectUri: input.redirectUri,
      igId: account.igId,
      scopes: splitList(input.scope),
      issuedAt: now(),
      used: false,
    });
    return redirect(withParams(input.redirectUri, [["code", code], ...stateParam], "#_"));
  }

  function validateAuthorize(
    clientId: string | null,
    redirectUri: string | null,
    responseType: string | null,
    scope: string | null,
  ): string | undefined {
    if (clientId !== options.appId) return "Invalid platform app";
    if (responseType !== "code") return "Request parameters are invalid: Invalid response_type";
    if (redirectUri === null || !/^https?:\/\//.test(redirectUri))
      return "Request parameters are invalid: Invalid redirect_uri";
    if (options.redirectUris !== undefined && !options.redirectUris.includes(redirectUri)) {
      return "Request parameters are invalid: Invalid redirect_uri";
    }
    const scopes = splitList(scope);
    const unknown = scopes.filter((s) => !KNOWN_SCOPES.has(s));
    if (scopes.length === 0 || unknown.length > 0) return `Invalid Scopes: ${unknown.join(", ") || "(none)"}`;
    return undefined;
  }

  // ---- routes ---------------------------------------------------------------------------------------

  function getAuthorize(req: Req): Reply {
    const q = req.query;
    const problem = validateAuthorize(
      q.get("client_id"),
      q.get("redirect_uri"),
      q.get("response_type"),
      q.get("scope"),
    );
    if (problem !== undefined) return html(400, errorPage(problem));
    return html(
      200,
      consentPage({
        clientId: q.get("client_id") ?? "",
        redirectUri: q.get("redirect_uri") ?? "",
        scope: q.get("scope") ?? "",
        state: q.get("state") ?? undefined,
        accounts,
      }),
    );
  }

  function postAuthorize(req: Req): Reply {
    const f = req.form ?? new URLSearchParams();
    return authorizeDecision({
      clientId: f.get("client_id") ?? "",
      redirectUri: f.get("redirect_uri") ?? "",
      scope: f.get("scope") ?? "",
      state: f.get("state") ?? undefined,
      username: f.get("username") ?? undefined,
      deny: f.get("decision") !== "allow",
    });
  }

  async function postCodeExchange(req: Req): Promise<Reply | typeof DROP> {
    const faulted = await applyFault(takeFault("code_exchange"));
    if (faulted !== undefined) return faulted;
    const f = req.form ?? new URLSearchParams();
    const fail = (message: string) => {
      const e = igOAuthError(message);
      return json(e.status, e.body);
    };
    if (f.get("client_id") !== options.appId) return fail("Invalid platform app");
    if (f.get("client_secret") !== options.appSecret) return fail("Error validating client secret.");
    if (f.get("grant_type") !== "authorization_code") return fail("Unsupported grant_type");
    const code = (f.get("code") ?? "").replace(/#_$/, "");
    const record = codes.get(code);
    if (
      record === undefined ||
      record.used ||
      now() - record.issuedAt > CODE_TTL_MS ||
      record.clientId !== options.appId
    ) {
      return fail("Matching code was not found or was already used");
    }
    if (f.get("redirect_uri") !== record.redirectUri) {
      return fail(
        "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
      );
    }
    record.used = true;
    const account = accountById(record.igId) ?? defaultAccount();
    const token = issue(account.igId, "short", record.scopes, now(), SHORT_LIVED_MS / 1000);
    if (tokenShape === "documented") {
      return json(200, {
        data: [{ access_token: token, user_id: account.appScopedId, permissions: record.scopes.join(",") }],
      });
    }
    // Written by hand so user_id is a raw JSON number larger than 2^53, exactly as observed live.
    const permissions = JSON.stringify(record.scopes);
    return {
      status: 200,
      body: `{"access_token":${JSON.stringify(token)},"user_id":${account.appScopedId},"permissions":${permissions}}`,
    };
  }

  async function getLongLivedExchange(req: Req): Promise<Reply | typeof DROP> {
    const faulted = await applyFault(takeFault("long_lived_exchange"));
    if (faulted !== undefined) return faulted;
    if (req.query.get("grant_type") !== "ig_exchange_token") return graph(GraphErrors.unsupportedGrantType());
    if (req.query.get("client_secret") !== options.appSecret) return graph(GraphErrors.clientSecretInvalid());
    const auth = authenticate(req);
    if ("status" in auth) return auth;
    if (auth.record.kind !== "short")
      return graph(GraphErrors.invalidParameter("Invalid access_token: expected a short-lived token"));
    const token = issue(auth.account.igId, "long", auth.record.scopes, now(), EXCHANGED_EXPIRES_IN);
    return json(200, { access_token: token, token_type: "bearer", expires_in: EXCHANGED_EXPIRES_IN });
  }

  async function getRefresh(req: Req): Promise<Reply | typeof DROP> {
    const faulted = await applyFault(takeFault("refresh"));
    if (faulted !== undefined) return faulted;
    if (req.query.get("grant_type") !== "ig_refresh_token") return graph(GraphErrors.unsupportedGrantType());
    const auth = authenticate(req);
    if ("status" in auth) return auth;
    if (auth.record.kind !== "long")
      return graph(GraphErrors.invalidParameter("Invalid access_token: expected a long-lived token"));
    if (now() - auth.record.issuedAt < DAY) return graph(GraphErrors.tokenTooYoungToRefresh());
    const token = issue(auth.account.igId, "long", auth.record.scopes, now(), REFRESHED_EXPIRES_IN);
    return json(200, { access_token: token, token_type: "bearer", expires_in: REFRESHED_EXPIRES_IN });
  }

  async function getMe(req: Req): Promise<Reply | typeof DROP> {
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

  async function subscribedApps(req: Req, id: string): Promise<Reply | typeof DROP> {
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
            : [{ subscribed_fields: fields, id: options.appId, name: "Simulated app" }],
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

  /** The usage header Meta sends while an account is throttled. */
  function throttledHeaders(igId: string, regainAccessMinutes: number): Record<string, string> {
    const usage = {
      [igId]: [
        {
          type: "instagram",
          call_count: 100,
          total_cputime: 25,
          total_time: 30,
          estimated_time_to_regain_access: regainAccessMinutes,
        },
      ],
    };
    return { "x-business-use-case-usage": JSON.stringify(usage) };
  }

  function usageHeaders(igId: string): Record<string, string> {
    const lastHour = sent.filter((m) => m.igAccountId === igId && m.at > now() - HOUR).length;
    const cap = options.sendCapPerHour ?? 1000;
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

  async function postMessage(req: Req, id: string): Promise<Reply | typeof DROP> {
    const own = ownAccount(req, id, "post");
    if ("status" in own) return own;
    const igId = own.account.igId;
    const fault = takeFault("send", igId);
    const faulted = await applyFault(fault, igId);
    if (faulted !== undefined) return faulted;

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
    if (!parsed.success) {
      const path = parsed.error.issues[0]?.path.join("][") ?? "message";
      return graph(GraphErrors.invalidParameter(`Invalid parameter [${path}]`));
    }
    const { recipient, message, messaging_type, tag } = parsed.data;
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
    if (options.sendCapPerHour !== undefined) {
      const inHour = sent.filter((m) => m.igAccountId === igId && m.at > now() - HOUR).length;
      if (inHour >= options.sendCapPerHour) {
        return { ...graph(GraphErrors.rateLimited(613)), headers: throttledHeaders(igId, 1) };
      }
    }

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

  function scheduleEcho(m: SentMessage): void {
    if (webhookUrl === undefined || options.deliverEchoes === false) return;
    const payload = Payloads.echo({
      igAccountId: m.igAccountId,
      igsid: m.recipientId,
      timestamp: m.at,
      mid: m.messageId,
      ...(m.text === undefined ? {} : { text: m.text }),
      ...(m.attachment === undefined
        ? {}
        : { attachments: [{ type: m.attachment.type as Payloads.AttachmentType, url: m.attachment.url }] }),
    });
    // Delivered after the Send API answer is written, like Meta's asynchronous webhook.
    const p = new Promise((resolve) => setImmediate(resolve))
      .then(() => deliver(payload, { kind: "echo" }))
      .catch(() => undefined)
      .finally(() => pending.delete(p));
    pending.add(p);
  }

  async function deliver(
    payload: object | string,
    opts: { secret?: string; kind?: Delivery["kind"]; escapeSlashes?: boolean } = {},
  ): Promise<{ status: number; body: string }> {
    const url = webhookUrl;
    const kind = opts.kind ?? "custom";
    if (url === undefined) throw new Error("No webhook URL configured for the Meta simulator");
    const body =
      typeof payload === "string"
        ? payload
        : metaJson(payload, { escapeSlashes: opts.escapeSlashes === true });
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "facebookexternalua",
          "x-hub-signature-256": signMetaBody(
            body,
            opts.secret ?? options.webhookSecret ?? options.appSecret,
          ),
        },
        body,
        signal: AbortSignal.timeout(20_000),
      });
      const text = await res.text();
      deliveries.push({ at: now(), kind, status: res.status });
      return { status: res.status, body: text };
    } catch (error) {
      deliveries.push({
        at: now(),
        kind,
        status: 0,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }

  async function sendCustomerMessage(input: CustomerMessageInput): Promise<CustomerMessageResult> {
    const igAccountId = input.igAccountId ?? defaultAccount().igId;
    const igsid = input.igsid ?? DEFAULT_CUSTOMER_IGSID;
    const mid = input.mid ?? newMessageId();
    const timestamp = now();
    const parties = { igAccountId, igsid, timestamp, mid };
    const payload =
      input.attachments !== undefined && input.attachments.length > 0
        ? Payloads.customerAttachments({ ...parties, attachments: input.attachments, text: input.text })
        : Payloads.customerText({ ...parties, text: input.text ?? "" });
    windows.set(
      windowKey(igAccountId, igsid),
      Math.max(windows.get(windowKey(igAccountId, igsid)) ?? 0, timestamp),
    );
    const result = { igAccountId, igsid, mid, timestamp };
    if (webhookUrl === undefined) return result;
    return { ...result, delivery: await deliver(payload, { kind: "customer_message" }) };
  }

  async function postSignedRequest(
    url: string,
    payload: object,
    secret: string | undefined,
  ): Promise<{ status: number; body: string }> {
    const value = signedRequest(payload, secret ?? options.appSecret);
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ signed_request: value }).toString(),
      redirect: "manual",
      signal: AbortSignal.timeout(20_000),
    });
    return { status: res.status, body: await res.text() };
  }

  function invalidateAccountTokens(igId: string): void {
    for (const record of tokens.values()) if (record.igId === igId) record.invalidated = true;
  }

  function accountOrThrow(igAccountId: string | undefined): SimAccount {
    const account = igAccountId === undefined ? defaultAccount() : accountById(igAccountId);
    if (account === undefined) throw new Error(`Unknown account ${igAccountId}`);
    return account;
  }

  async function revokePermissions(req: Req): Promise<Reply> {
    const auth = authenticate(req);
    if ("status" in auth) return auth;
    invalidateAccountTokens(auth.account.igId);
    subscriptions.delete(auth.account.igId);
    return json(200, { success: true });
  }

  // ---- admin (/_sim) -----------------------------------------------------------------------------------

  const customerMessageSchema = z.object({
    igAccountId: z.string().optional(),
    igsid: z.string().regex(/^\d+$/).optional(),
    text: z.string().optional(),
    attachments: z
      .array(
        z.object({
          type: z.enum([
            "image",
            "video",
            "audio",
            "file",
            "share",
            "ig_post",
            "ig_reel",
            "story_mention",
            "ephemeral",
          ]),
          url: z.string().optional(),
        }),
      )
      .optional(),
  });

  function publicState() {
    return {
      now: now(),
      webhookUrl: webhookUrl ?? null,
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
      faults: faults.map((f) => ({
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
        faults = [];
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
        offset += parsed.data.advanceMs;
        return json(200, { now: now() });
      }
      case "GET /_sim/health":
        return json(200, { ok: true });
      default:
        return json(404, { error: `no simulator admin route ${route}` });
    }
  }

  function injectFault(fault: Fault): void {
    const spec = faultSchema.parse(fault);
    faults.push({ spec, remaining: spec.count === "always" ? Number.POSITIVE_INFINITY : (spec.count ?? 1) });
  }

  // ---- dispatch ----------------------------------------------------------------------------------------

  async function route(req: Req): Promise<Reply | typeof DROP> {
    const { method, path } = req;
    if (path.startsWith("/_sim/")) return admin(req);
    if (path === "/oauth/authorize" && method === "GET") return getAuthorize(req);
    if (path === "/oauth/authorize" && method === "POST") return postAuthorize(req);
    if (path === "/oauth/access_token" && method === "POST") return postCodeExchange(req);
    if (path === "/access_token" && method === "GET") return getLongLivedExchange(req);
    if (path === "/refresh_access_token" && method === "GET") return getRefresh(req);
    const versioned = /^(?:\/v\d+\.\d+)?\/([^/]+)(?:\/([^/]+))?\/?$/.exec(path);
    const id = versioned?.[1];
    const edge = versioned?.[2];
    if (id !== undefined) {
      if (id === "me" && edge === undefined && method === "GET") return getMe(req);
      if (edge === "subscribed_apps" && ["GET", "POST", "DELETE"].includes(method))
        return subscribedApps(req, id);
      if (edge === "messages" && method === "POST") return postMessage(req, id);
      if (id === "me" && edge === "permissions" && method === "DELETE") return revokePermissions(req);
    }
    return graph(method === "GET" ? GraphErrors.unsupportedGet() : GraphErrors.unsupportedPost());
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
    const routed = await route(req);
    if (routed === DROP) {
      recorded.push({
        method: req.method,
        path: req.path,
        query: mask(req.query),
        hasBearer: headers.authorization?.startsWith("Bearer ") === true,
        status: 0,
        at: now(),
      });
      res.destroy();
      return;
    }
    const reply = routed;
    // The admin routes are callable from a dev console page on another local origin.
    const cors: Record<string, string> = req.path.startsWith("/_sim/")
      ? {
          "access-control-allow-origin": "*",
          "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
          "access-control-allow-headers": "content-type",
        }
      : {};
    if (!req.path.startsWith("/_sim/")) {
      let parsedJson: unknown;
      if (
        req.form === undefined &&
        raw.length > 0 &&
        headers["content-type"]?.startsWith("application/json")
      ) {
        try {
          parsedJson = JSON.parse(raw.toString("utf8"));
        } catch {
          parsedJson = undefined;
        }
      }
      recorded.push({
        method: req.method,
        path: req.path,
        query: mask(req.query),
        ...(req.form === undefined ? {} : { form: mask(req.form) }),
        ...(parsedJson === undefined ? {} : { json: parsedJson }),
        hasBearer: headers.authorization?.startsWith("Bearer ") === true,
        status: reply.status,
        at: now(),
      });
    }
    res.writeHead(reply.status, {
      "content-type": reply.contentType ?? "application/json; charset=UTF-8",
      ...(reply.status >= 400 && reply.contentType === undefined
        ? { "www-authenticate": 'OAuth "Facebook Platform"' }
        : {}),
      ...cors,
      ...reply.headers,
    });
    res.end(reply.body);
  }

  const server = createServer((incoming, res) => {
    handle(incoming, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            error: { message: `simulator failure: ${String(error)}`, type: "SimulatorError", code: 1 },
          }),
        );
      } else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...pending]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async authorize(input) {
      const reply = authorizeDecision(input);
      const location = reply.headers?.location;
      if (location === undefined)
        throw new Error(`authorize refused: ${reply.body.replace(/<[^>]+>/g, " ").trim()}`);
      return location;
    },
    issueToken(input = {}) {
      const igId = input.igAccountId ?? defaultAccount().igId;
      if (accountById(igId) === undefined) throw new Error(`Unknown account ${igId}`);
      const kind = input.kind ?? "long";
      const expiresIn = kind === "long" ? EXCHANGED_EXPIRES_IN : SHORT_LIVED_MS / 1000;
      return issue(igId, kind, [...KNOWN_SCOPES].slice(0, 2), now() - (input.ageMs ?? 0), expiresIn);
    },
    invalidateToken(token) {
      const record = tokens.get(token);
      if (record !== undefined) record.invalidated = true;
    },
    injectFault,
    clearFaults() {
      faults = [];
    },
    faults: () => faults.map((f) => f.spec),
    sentMessages: (igAccountId) =>
      sent.filter((m) => igAccountId === undefined || m.igAccountId === igAccountId),
    requests: () => [...recorded],
    deliveries: () => [...deliveries],
    subscriptions: (igAccountId) => [...(subscriptions.get(igAccountId ?? defaultAccount().igId) ?? [])],
    openWindow(input) {
      const igId = input.igAccountId ?? defaultAccount().igId;
      windows.set(windowKey(igId, input.igsid), input.at ?? now());
    },
    sendCustomerMessage,
    deliver,
    setWebhookUrl(next) {
      webhookUrl = next;
    },
    setTokenResponseShape(shape) {
      tokenShape = shape;
    },
    advance(ms) {
      offset += ms;
    },
    now,
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async deauthorize(input) {
      const account = accountOrThrow(input.igAccountId);
      invalidateAccountTokens(account.igId);
      subscriptions.delete(account.igId);
      const issuedAt = Math.floor(now() / 1000);
      return postSignedRequest(
        input.url,
        { algorithm: "HMAC-SHA256", issued_at: issuedAt, user_id: account.appScopedId },
        input.secret,
      );
    },
    async requestDataDeletion(input) {
      const account = accountOrThrow(input.igAccountId);
      const issuedAt = Math.floor(now() / 1000);
      return postSignedRequest(
        input.url,
        {
          algorithm: "HMAC-SHA256",
          expires: issuedAt + 3600,
          issued_at: issuedAt,
          user_id: account.appScopedId,
        },
        input.secret,
      );
    },
    async verifyWebhook(input) {
      const target = input.url ?? webhookUrl;
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
      const igId = igAccountId ?? defaultAccount().igId;
      const times = sent.filter((m) => m.igAccountId === igId).map((m) => m.at);
      times.sort((a, b) => a - b);
      let best = 0;
      let start = 0;
      for (let end = 0; end < times.length; end++) {
        while ((times[end] ?? 0) - (times[start] ?? 0) >= HOUR) start++;
        best = Math.max(best, end - start + 1);
      }
      return best;
    },
  };
}
