import type { SimContext } from "./context";
import {
  DATA_ACCESS_MS,
  FACEBOOK_SCOPES,
  FB_CODE_TTL_MS,
  FB_LONG_LIVED_SECONDS,
  FB_SHORT_LIVED_SECONDS,
  newFacebookCode,
  type SimFacebookUser,
} from "./facebook-model";
import { FacebookErrors, type FacebookState } from "./facebook-state";
import { GraphErrors } from "./graph-errors";
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

/** Input of the dialog's decision (the form, or `sim.facebook.authorize()`). */
export interface FacebookDecision {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly responseType?: string;
  readonly state?: string;
  readonly userId?: string;
  readonly pageIds?: readonly string[];
  readonly deny?: boolean;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch,
  );

function errorPage(message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Facebook (simulator) — Error</title></head>
<body><h1>Sorry, something went wrong.</h1><p id="error">${escapeHtml(message)}</p></body></html>`;
}

function dialogPage(input: FacebookDecision, path: string, users: readonly SimFacebookUser[]): string {
  const hidden = (name: string, value: string | undefined) =>
    value === undefined ? "" : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const people = users
    .map((u) => `<option value="${escapeHtml(u.id)}">${escapeHtml(u.name)}</option>`)
    .join("");
  const pages = users
    .flatMap((u) =>
      u.pages.map(
        (p) =>
          `<li><label><input type="checkbox" name="page" value="${escapeHtml(p.id)}" checked> ${escapeHtml(p.name)} (${escapeHtml(u.name)})${p.igAccountId === undefined ? " — no Instagram account" : ""}</label></li>`,
      ),
    )
    .join("");
  const scopes = splitList(input.scope)
    .map((s) => `<li>${escapeHtml(s)}</li>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Facebook (simulator) — Log in</title></head><body>
<h1 id="title">Meta simulator — Facebook Login</h1>
<p id="app">App <code>${escapeHtml(input.clientId)}</code> would like to manage your Pages' Instagram messages.</p>
<form id="consent" method="post" action="${escapeHtml(path)}">
${hidden("client_id", input.clientId)}${hidden("redirect_uri", input.redirectUri)}${hidden("scope", input.scope)}${hidden("state", input.state)}
<label for="user">Continue as</label> <select id="user" name="fb_user">${people}</select>
<p>Pages to grant:</p><ul id="pages">${pages}</ul>
<p>Permissions requested:</p><ul id="scopes">${scopes}</ul>
<button id="allow" type="submit" name="decision" value="allow">Continue</button>
<button id="cancel" type="submit" name="decision" value="cancel">Cancel</button>
</form></body></html>`;
}

/** www.facebook.com's Login dialog and graph.facebook.com's `/oauth/access_token` (manual flow, long-lived). */
export function facebookOAuthRoutes(ctx: SimContext, fb: FacebookState) {
  const { now } = ctx;
  const appId = fb.options.facebookAppId;

  function validate(input: FacebookDecision): string | undefined {
    if (appId === undefined || input.clientId !== appId) return "Invalid App ID";
    if (input.responseType !== undefined && input.responseType !== "code") {
      return "Invalid response_type: only the code flow is simulated";
    }
    if (!/^https?:\/\//.test(input.redirectUri)) return "URL Blocked: invalid redirect_uri";
    const scopes = splitList(input.scope);
    const unknown = scopes.filter((s) => !FACEBOOK_SCOPES.has(s));
    if (unknown.length > 0) return `Invalid Scopes: ${unknown.join(", ")}`;
    return undefined;
  }

  function decide(input: FacebookDecision): Reply {
    const problem = validate(input);
    if (problem !== undefined) return html(400, errorPage(problem));
    const stateParam: [string, string][] = input.state === undefined ? [] : [["state", input.state]];
    if (input.deny === true) {
      return redirect(
        withParams(input.redirectUri, [
          ["error_reason", "user_denied"],
          ["error", "access_denied"],
          ["error_description", "Permissions error."],
          ...stateParam,
        ]),
      );
    }
    const user = fb.userById(input.userId);
    if (user === undefined) return html(400, errorPage(`Unknown Facebook user ${input.userId}`));
    const own = user.pages.map((p) => p.id);
    const pageIds = (input.pageIds ?? own).filter((id) => own.includes(id));
    const code = newFacebookCode();
    fb.codes.set(code, {
      redirectUri: input.redirectUri,
      userId: user.id,
      scopes: splitList(input.scope),
      pageIds,
      issuedAt: now(),
      used: false,
    });
    return redirect(withParams(input.redirectUri, [["code", code], ...stateParam]));
  }

  function getDialog(req: Req): Reply {
    const q = req.query;
    const input: FacebookDecision = {
      clientId: q.get("client_id") ?? "",
      redirectUri: q.get("redirect_uri") ?? "",
      scope: q.get("scope") ?? "",
      responseType: q.get("response_type") ?? undefined,
      state: q.get("state") ?? undefined,
    };
    const problem = validate(input);
    if (problem !== undefined) return html(400, errorPage(problem));
    return html(200, dialogPage(input, req.path, fb.users));
  }

  function postDialog(req: Req): Reply {
    const f = req.form ?? new URLSearchParams();
    return decide({
      clientId: f.get("client_id") ?? "",
      redirectUri: f.get("redirect_uri") ?? "",
      scope: f.get("scope") ?? "",
      state: f.get("state") ?? undefined,
      userId: f.get("fb_user") ?? undefined,
      pageIds: f.getAll("page"),
      deny: f.get("decision") !== "allow",
    });
  }

  /** `GET /<v>/oauth/access_token`: the code exchange, or `grant_type=fb_exchange_token`. */
  async function getAccessToken(req: Req): Promise<Answer> {
    const q = req.query;
    const longLived = q.get("grant_type") === "fb_exchange_token";
    const faulted = await ctx.applyFault(ctx.takeFault(longLived ? "long_lived_exchange" : "code_exchange"));
    if (faulted !== undefined) return faulted;
    if (appId === undefined || q.get("client_id") !== appId) return graph(FacebookErrors.appNotConfigured());
    if (q.get("client_secret") !== fb.options.facebookAppSecret) {
      return graph(FacebookErrors.oauth(1, "Error validating client secret."));
    }
    if (longLived) return exchangeForLongLived(q.get("fb_exchange_token"));
    if (q.get("grant_type") !== null && q.get("grant_type") !== "authorization_code") {
      return graph(GraphErrors.unsupportedGrantType());
    }
    const code = q.get("code") ?? "";
    const record = fb.codes.get(code);
    if (record === undefined) return graph(FacebookErrors.oauth(100, "Invalid verification code format."));
    if (record.used) return graph(FacebookErrors.oauth(100, "This authorization code has been used.", 36009));
    if (now() - record.issuedAt > FB_CODE_TTL_MS) {
      return graph(FacebookErrors.oauth(100, "This authorization code has expired.", 36007));
    }
    if (q.get("redirect_uri") !== record.redirectUri) {
      return graph(
        FacebookErrors.oauth(
          100,
          "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
          36008,
        ),
      );
    }
    record.used = true;
    const token = fb.issue({
      kind: "user_short",
      userId: record.userId,
      scopes: record.scopes,
      pageIds: record.pageIds,
      issuedAt: now(),
      expiresAt: now() + FB_SHORT_LIVED_SECONDS * 1000,
      dataAccessExpiresAt: now() + DATA_ACCESS_MS,
    });
    return json(200, { access_token: token, token_type: "bearer", expires_in: FB_SHORT_LIVED_SECONDS });
  }

  function exchangeForLongLived(input: string | null): Reply {
    if (input === null || input === "") {
      return graph(FacebookErrors.oauth(100, "(#100) Missing parameter fb_exchange_token"));
    }
    const record = fb.tokens.get(input);
    if (record === undefined) return graph(GraphErrors.cannotParseToken());
    const problem = fb.problemOf(record);
    if (problem !== undefined) return graph(problem);
    if (record.kind === "page") {
      return graph(FacebookErrors.oauth(100, "(#100) fb_exchange_token must be a user access token"));
    }
    const token = fb.issue({
      ...record,
      kind: "user_long",
      issuedAt: now(),
      expiresAt: now() + FB_LONG_LIVED_SECONDS * 1000,
    });
    return json(200, { access_token: token, token_type: "bearer", expires_in: FB_LONG_LIVED_SECONDS });
  }

  return { decide, getDialog, postDialog, getAccessToken };
}
