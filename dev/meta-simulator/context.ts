import { GraphErrors } from "./graph-errors";
import { type Answer, DROP, graph, type Reply, type Req } from "./http";
import { newAccessToken, newMessageId } from "./ids";
import {
  type AccountRestriction,
  type ActiveFault,
  type CodeRecord,
  type CustomerMessageInput,
  type CustomerMessageResult,
  DEFAULT_ACCOUNT,
  DEFAULT_CUSTOMER_IGSID,
  type Delivery,
  type Fault,
  type FaultTarget,
  faultSchema,
  type RecordedRequest,
  SEVEN_DAYS,
  type SenderActionRecord,
  type SentMessage,
  type SimAccount,
  type SimCustomer,
  type SimOptions,
  type TokenRecord,
} from "./model";
import { metaJson, signedRequest, signMetaBody } from "./signing";
import { createThreads } from "./threads";
import { createUsage } from "./usage";
import * as Payloads from "./webhook-payloads";

/** A token check's outcome: the token's record and account, or the 190/2500 reply Meta gives. */
export type Authenticated = { readonly record: TokenRecord; readonly account: SimAccount } | Reply;

export type DeliverOptions = { secret?: string; kind?: Delivery["kind"]; escapeSlashes?: boolean };

/** Everything the routes share: the clock, the simulated Meta state, tokens, faults and webhook delivery. */
export type SimContext = ReturnType<typeof createSimContext>;

export function createSimContext(options: SimOptions) {
  const accounts = [...(options.accounts ?? [DEFAULT_ACCOUNT])];
  const baseNow = options.now ?? (() => Date.now());
  /** Settings and state that change at run time. */
  const state = {
    clockOffset: 0,
    webhookUrl: options.webhookUrl,
    tokenShape: options.tokenResponseShape ?? "observed",
    faults: [] as ActiveFault[],
  };
  const tokens = new Map<string, TokenRecord>();
  const codes = new Map<string, CodeRecord>();
  const subscriptions = new Map<string, Set<string>>();
  /** Last customer message per `${igId}:${igsid}`: the start of the reply window. */
  const windows = new Map<string, number>();
  /** Click-to-Direct ad windows: end (Unix ms) per `${igId}:${igsid}`, 7 days from the ad's first message. */
  const adWindows = new Map<string, number>();
  /** Threads another app owns (`${igId}:${igsid}`): events go to `standby`, sends are refused. */
  const otherOwner = new Set<string>();
  /** Account-wide refusals per IG account id. */
  const restrictions = new Map<string, AccountRestriction>();
  const senderActions: SenderActionRecord[] = [];
  const customers = new Map<string, SimCustomer>((options.customers ?? []).map((c) => [c.igsid, c]));
  const threads = createThreads();
  const sent: SentMessage[] = [];
  const recorded: RecordedRequest[] = [];
  const deliveries: Delivery[] = [];
  /** Echo deliveries in flight (`idle()` waits for them). */
  const pending = new Set<Promise<unknown>>();
  /**
   * Per IG account id, the secret its deliveries are signed with when not the default: an account whose Page is
   * subscribed through the Facebook app gets the Facebook app secret (facebook-graph.ts).
   */
  const webhookSecrets = new Map<string, string>();
  /** Fault delays in flight (`stop()` cancels them). */
  const timers = new Set<NodeJS.Timeout>();

  const now = () => baseNow() + state.clockOffset;
  const usage = createUsage(options.usage, now);
  const accountById = (igId: string) => accounts.find((a) => a.igId === igId);
  const defaultAccount = (): SimAccount => {
    const first = accounts[0];
    if (first === undefined) throw new Error("The simulator has no accounts");
    return first;
  };
  const accountOrThrow = (igAccountId: string | undefined): SimAccount => {
    const account = igAccountId === undefined ? defaultAccount() : accountById(igAccountId);
    if (account === undefined) throw new Error(`Unknown account ${igAccountId}`);
    return account;
  };
  const windowKey = (igId: string, igsid: string) => `${igId}:${igsid}`;

  function openWindow(igId: string, igsid: string, at: number): void {
    const key = windowKey(igId, igsid);
    windows.set(key, Math.max(windows.get(key) ?? 0, at));
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  // ---- faults ------------------------------------------------------------------------------------------

  function injectFault(fault: Fault): void {
    const spec = faultSchema.parse(fault);
    const remaining = spec.count === "always" ? Number.POSITIVE_INFINITY : (spec.count ?? 1);
    state.faults.push({ spec, remaining });
  }

  /** Consumes the first fault matching this endpoint (and account, when the fault names one). */
  function takeFault(target: Exclude<FaultTarget, "any">, igId?: string): Fault | undefined {
    const active = state.faults.find(
      (f) =>
        ((f.spec.target ?? "send") === target || f.spec.target === "any") &&
        (f.spec.igAccountId === undefined || f.spec.igAccountId === igId),
    );
    if (active === undefined) return undefined;
    active.remaining -= 1;
    if (active.remaining <= 0) state.faults = state.faults.filter((f) => f !== active);
    return active.spec;
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

  /** Applies a fault: `undefined` means carry on normally (after any delay). */
  async function applyFault(fault: Fault | undefined, igId?: string): Promise<Answer | undefined> {
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
        // Handled by the Send API route: it sends, then answers 1/1357046.
        return undefined;
    }
  }

  // ---- tokens ------------------------------------------------------------------------------------------

  function issue(
    igId: string,
    kind: "short" | "long",
    scopes: string[],
    issuedAt: number,
    expiresInSeconds: number,
  ): string {
    const token = newAccessToken();
    const expiresAt = issuedAt + expiresInSeconds * 1000;
    tokens.set(token, { igId, kind, issuedAt, expiresAt, scopes, invalidated: false });
    return token;
  }

  function tokenOf(req: Req): string | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
    return req.query.get("access_token") ?? req.form?.get("access_token") ?? undefined;
  }

  /** Resolves the request's token or answers the envelope Meta gives (2500 missing, 190 bad/expired). */
  function authenticate(req: Req): Authenticated {
    const token = tokenOf(req);
    if (token === undefined || token === "") {
      return {
        status: 400,
        body: JSON.stringify({
          error: {
            message: "An active access token must be used to query information about the current user.",
            type: "OAuthException",
            code: 2500,
            fbtrace_id: "AHxS0cJ7pdAuMw3BOfyYtS0",
          },
        }),
      };
    }
    const record = tokens.get(token);
    if (record === undefined) {
      return graph(token.startsWith("IGAA") ? GraphErrors.invalidToken() : GraphErrors.cannotParseToken());
    }
    if (record.invalidated) return graph(GraphErrors.tokenInvalidated());
    if (now() >= record.expiresAt) return graph(GraphErrors.tokenExpired());
    const account = accountById(record.igId);
    if (account === undefined) return graph(GraphErrors.invalidToken());
    return { record, account };
  }

  /** The account a request's token belongs to, without answering anything (for usage headers). */
  function tokenAccountId(req: Req): string | undefined {
    const token = tokenOf(req);
    return token === undefined ? undefined : tokens.get(token)?.igId;
  }

  function invalidateAccountTokens(igId: string): void {
    for (const record of tokens.values()) if (record.igId === igId) record.invalidated = true;
  }

  // ---- webhooks ----------------------------------------------------------------------------------------

  /** POSTs a payload to the webhook, signed as Meta signs. */
  async function deliver(
    payload: object | string,
    opts: DeliverOptions = {},
  ): Promise<{ status: number; body: string }> {
    const url = state.webhookUrl;
    const kind = opts.kind ?? "custom";
    if (url === undefined) throw new Error("No webhook URL configured for the Meta simulator");
    const body =
      typeof payload === "string"
        ? payload
        : metaJson(payload, { escapeSlashes: opts.escapeSlashes === true });
    const secret = opts.secret ?? options.webhookSecret ?? options.appSecret;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "facebookexternalua",
          "x-hub-signature-256": signMetaBody(body, secret),
        },
        body,
        signal: AbortSignal.timeout(20_000),
      });
      const text = await res.text();
      deliveries.push({ at: now(), kind, status: res.status });
      return { status: res.status, body: text };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deliveries.push({ at: now(), kind, status: 0, error: message });
      throw error;
    }
  }

  /** Queues the echo of an accepted send; delivered after the Send API answer, like Meta's async webhook. */
  function scheduleEcho(m: SentMessage): void {
    if (state.webhookUrl === undefined || options.deliverEchoes === false) return;
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
    const p = new Promise((resolve) => setImmediate(resolve))
      .then(() => deliver(payload, { kind: "echo", secret: webhookSecrets.get(m.igAccountId) }))
      .catch(() => undefined)
      .finally(() => pending.delete(p));
    pending.add(p);
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
        : Payloads.customerText({
            ...parties,
            text: input.text ?? "",
            ...(input.referral === undefined ? {} : { referral: input.referral }),
          });
    const key = windowKey(igAccountId, igsid);
    const firstMessage = (threads.existing(igAccountId, igsid)?.messages.length ?? 0) === 0;
    if (firstMessage && input.referral?.source === "ADS") adWindows.set(key, timestamp + SEVEN_DAYS);
    openWindow(igAccountId, igsid, timestamp);
    threads.add(igAccountId, igsid, {
      mid,
      at: timestamp,
      fromCustomer: true,
      ...(input.text === undefined ? {} : { text: input.text }),
      ...(input.attachments === undefined ? {} : { attachments: input.attachments }),
    });
    const result = { igAccountId, igsid, mid, timestamp };
    if (state.webhookUrl === undefined) return result;
    const body = otherOwner.has(key) ? Payloads.asStandby(payload) : payload;
    const secret = webhookSecrets.get(igAccountId);
    return { ...result, delivery: await deliver(body, { kind: "customer_message", secret }) };
  }

  /** POSTs `signed_request=…` form-encoded, as Meta calls the deauthorize and data-deletion callbacks. */
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

  if (options.history !== undefined) {
    const igId = options.history.igAccountId ?? defaultAccount().igId;
    threads.seed(igId, options.history, now());
    for (const t of threads.list(igId)) {
      const last = t.messages.filter((m) => m.fromCustomer).at(-1);
      if (last !== undefined) openWindow(igId, t.igsid, last.at);
    }
  }

  return {
    options,
    accounts,
    state,
    adWindows,
    otherOwner,
    restrictions,
    senderActions,
    customers,
    threads,
    usage,
    tokenAccountId,
    tokens,
    codes,
    subscriptions,
    webhookSecrets,
    windows,
    sent,
    recorded,
    deliveries,
    pending,
    timers,
    now,
    accountById,
    defaultAccount,
    accountOrThrow,
    windowKey,
    openWindow,
    injectFault,
    takeFault,
    applyFault,
    throttledHeaders,
    issue,
    authenticate,
    invalidateAccountTokens,
    deliver,
    scheduleEcho,
    sendCustomerMessage,
    postSignedRequest,
  };
}
