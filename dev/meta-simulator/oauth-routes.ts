import { consentPage, errorPage } from "./consent-page";
import type { SimContext } from "./context";
import { GraphErrors, igOAuthError } from "./graph-errors";
import {
  type Answer,
  graph,
  html,
  json,
  type Reply,
  type Req,
  redirect,
  splitList,
  withParams,
} from "./http";
import { newAuthCode } from "./ids";
import {
  CODE_TTL_MS,
  DAY,
  EXCHANGED_EXPIRES_IN,
  KNOWN_SCOPES,
  REFRESHED_EXPIRES_IN,
  SHORT_LIVED_MS,
} from "./model";

/** Input of the consent decision (the consent form, or `sim.authorize()` without a browser). */
export interface AuthorizeDecision {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  username?: string;
  deny?: boolean;
  /**
   * Permissions the person unticks: the token exchange's `permissions` then lists only the rest. Meta does not
   * document which permissions can be unticked; the simulator lets a test drop any (the reading that makes our
   * code cope with every subset).
   */
  declined?: readonly string[];
}

/**
 * www.instagram.com's authorise page and api.instagram.com / graph.instagram.com's token endpoints
 * (graph-responses.md §1.1–1.4).
 */
export function oauthRoutes(ctx: SimContext) {
  const { now, accounts, codes, issue, authenticate, takeFault, applyFault, accountById, defaultAccount } =
    ctx;

  function authorizeDecision(input: AuthorizeDecision): Reply {
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
      scopes: splitList(input.scope).filter((scope) => !(input.declined ?? []).includes(scope)),
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
    if (clientId !== ctx.options.appId) return "Invalid platform app";
    if (responseType !== "code") return "Request parameters are invalid: Invalid response_type";
    if (redirectUri === null || !/^https?:\/\//.test(redirectUri))
      return "Request parameters are invalid: Invalid redirect_uri";
    if (ctx.options.redirectUris !== undefined && !ctx.options.redirectUris.includes(redirectUri)) {
      return "Request parameters are invalid: Invalid redirect_uri";
    }
    const scopes = splitList(scope);
    const unknown = scopes.filter((s) => !KNOWN_SCOPES.has(s));
    if (scopes.length === 0 || unknown.length > 0) return `Invalid Scopes: ${unknown.join(", ") || "(none)"}`;
    return undefined;
  }

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

  async function postCodeExchange(req: Req): Promise<Answer> {
    const faulted = await applyFault(takeFault("code_exchange"));
    if (faulted !== undefined) return faulted;
    const f = req.form ?? new URLSearchParams();
    const fail = (message: string) => {
      const e = igOAuthError(message);
      return json(e.status, e.body);
    };
    if (f.get("client_id") !== ctx.options.appId) return fail("Invalid platform app");
    if (f.get("client_secret") !== ctx.options.appSecret) return fail("Error validating client secret.");
    if (f.get("grant_type") !== "authorization_code") return fail("Unsupported grant_type");
    const code = (f.get("code") ?? "").replace(/#_$/, "");
    const record = codes.get(code);
    if (
      record === undefined ||
      record.used ||
      now() - record.issuedAt > CODE_TTL_MS ||
      record.clientId !== ctx.options.appId
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
    if (ctx.state.tokenShape === "documented") {
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

  async function getLongLivedExchange(req: Req): Promise<Answer> {
    const faulted = await applyFault(takeFault("long_lived_exchange"));
    if (faulted !== undefined) return faulted;
    if (req.query.get("grant_type") !== "ig_exchange_token") return graph(GraphErrors.unsupportedGrantType());
    if (req.query.get("client_secret") !== ctx.options.appSecret)
      return graph(GraphErrors.clientSecretInvalid());
    const auth = authenticate(req);
    if ("status" in auth) return auth;
    if (auth.record.kind !== "short")
      return graph(GraphErrors.invalidParameter("Invalid access_token: expected a short-lived token"));
    const token = issue(auth.account.igId, "long", auth.record.scopes, now(), EXCHANGED_EXPIRES_IN);
    return json(200, { access_token: token, token_type: "bearer", expires_in: EXCHANGED_EXPIRES_IN });
  }

  async function getRefresh(req: Req): Promise<Answer> {
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

  return {
    authorizeDecision,
    getAuthorize,
    postAuthorize,
    postCodeExchange,
    getLongLivedExchange,
    getRefresh,
  };
}
