import type { SimContext } from "./context";
import {
  DATA_ACCESS_MS,
  DEFAULT_FACEBOOK_USER,
  type FacebookCodeRecord,
  type FacebookTokenRecord,
  INVALIDATION_SUBCODE,
  type InvalidationReason,
  newFacebookToken,
  type SimFacebookPage,
  type SimFacebookUser,
} from "./facebook-model";
import { type GraphError, GraphErrors } from "./graph-errors";
import { graph, json, type Reply, type Req } from "./http";
import { newFbtraceId } from "./ids";

/** Options of the Facebook flavour (added to `SimOptions`). */
export interface FacebookOptions {
  /** The Facebook app (Facebook Login + Messenger products). Unset: every Facebook-flavour call is refused. */
  readonly facebookAppId?: string;
  /** Checks `client_secret` on graph.facebook.com and signs this flavour's webhooks and signed_requests. */
  readonly facebookAppSecret?: string;
  /** People who can log in with Facebook; the first is the default. Defaults to `[DEFAULT_FACEBOOK_USER]`. */
  readonly facebookUsers?: readonly SimFacebookUser[];
}

export type FacebookAuth = { readonly token: string; readonly record: FacebookTokenRecord } | Reply;

const invalidatedMessages: Record<InvalidationReason, string> = {
  password_change:
    "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
  role_removal:
    "Error validating access token: The session is invalid because the user no longer has a role on the Page.",
  app_removal: "Error validating access token: The user has not authorized the application.",
};

function oauthError(code: number, message: string, subcode?: number): GraphError {
  return {
    status: 400,
    body: {
      error: {
        message,
        type: "OAuthException",
        code,
        ...(subcode === undefined ? {} : { error_subcode: subcode }),
        fbtrace_id: newFbtraceId(),
      },
    },
  };
}

/** graph.facebook.com's own error answers (Graph envelope, `OAuthException`). */
export const FacebookErrors = {
  oauth: oauthError,
  invalidated: (reason: InvalidationReason) =>
    oauthError(190, invalidatedMessages[reason], INVALIDATION_SUBCODE[reason]),
  expired: () => oauthError(190, "Error validating access token: Session has expired.", 463),
  pageTokenRequired: () =>
    oauthError(210, "(#210) A page access token is required to request this resource."),
  noSuchField: (field: string, node: "User" | "Page") =>
    oauthError(100, `(#100) Tried accessing nonexisting field (${field}) on node type (${node})`),
  appNotConfigured: () => oauthError(101, "Error validating application. Invalid application ID."),
} as const;

/** The Facebook people, their tokens, codes and Page subscriptions. */
export type FacebookState = ReturnType<typeof createFacebookState>;

export function createFacebookState(ctx: SimContext, options: FacebookOptions) {
  const users = [...(options.facebookUsers ?? [DEFAULT_FACEBOOK_USER])];
  const tokens = new Map<string, FacebookTokenRecord>();
  const codes = new Map<string, FacebookCodeRecord>();
  /** Fields per Page id, subscribed through the Facebook app. */
  const pageSubscriptions = new Map<string, Set<string>>();
  /** `${userId}:${pageId}`: roles removed (the Page no longer appears in `/me/accounts`). */
  const removedRoles = new Set<string>();

  const userById = (id: string | undefined): SimFacebookUser | undefined =>
    id === undefined ? users[0] : users.find((u) => u.id === id);
  const userOrThrow = (id: string | undefined): SimFacebookUser => {
    const user = userById(id);
    if (user === undefined) throw new Error(`Unknown Facebook user ${id ?? "(default)"}`);
    return user;
  };
  const pageById = (pageId: string): SimFacebookPage | undefined =>
    users.flatMap((u) => u.pages).find((p) => p.id === pageId);
  const hasRole = (userId: string, pageId: string) =>
    userById(userId)?.pages.some((p) => p.id === pageId) === true && !removedRoles.has(`${userId}:${pageId}`);

  function issue(record: FacebookTokenRecord): string {
    const token = newFacebookToken();
    tokens.set(token, record);
    return token;
  }

  /** A Page token for `pageId`, derived from a user token: never expires when that one is long-lived. */
  function issuePageToken(user: FacebookTokenRecord, pageId: string): string {
    return issue({
      kind: "page",
      userId: user.userId,
      pageId,
      scopes: user.scopes,
      pageIds: user.pageIds,
      issuedAt: ctx.now(),
      expiresAt: user.kind === "user_long" ? 0 : user.expiresAt,
      dataAccessExpiresAt: user.dataAccessExpiresAt,
    });
  }

  function seedPageToken(input: { pageId?: string; userId?: string } = {}): string {
    const user = userOrThrow(input.userId);
    const pageId = input.pageId ?? user.pages[0]?.id;
    if (pageId === undefined || !user.pages.some((p) => p.id === pageId)) {
      throw new Error(`Facebook user ${user.id} has no Page ${pageId ?? "(none)"}`);
    }
    return issue({
      kind: "page",
      userId: user.id,
      pageId,
      scopes: ["pages_show_list", "pages_manage_metadata", "instagram_basic", "instagram_manage_messages"],
      pageIds: user.pages.map((p) => p.id),
      issuedAt: ctx.now(),
      expiresAt: 0,
      dataAccessExpiresAt: ctx.now() + DATA_ACCESS_MS,
    });
  }

  function tokenOf(req: Req): string | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
    return req.query.get("access_token") ?? req.form?.get("access_token") ?? undefined;
  }

  /** Why a token no longer works (invalidated, expired, role gone), or undefined while it is valid. */
  function problemOf(record: FacebookTokenRecord): GraphError | undefined {
    if (record.invalidated !== undefined) return FacebookErrors.invalidated(record.invalidated);
    if (record.expiresAt !== 0 && ctx.now() >= record.expiresAt) return FacebookErrors.expired();
    if (record.pageId !== undefined && !hasRole(record.userId, record.pageId)) {
      return FacebookErrors.invalidated("role_removal");
    }
    return undefined;
  }

  /** The request's Facebook token, or the answer Graph gives (2500 missing, 190 unknown/invalid/expired). */
  function authenticate(req: Req): FacebookAuth {
    const token = tokenOf(req);
    if (token === undefined || token === "") {
      return graph(
        oauthError(2500, "An active access token must be used to query information about the current user."),
      );
    }
    const record = tokens.get(token);
    // An Instagram (IGAA…) token on graph.facebook.com cannot be parsed there (graph-responses.md §3.3).
    if (record === undefined) return graph(GraphErrors.cannotParseToken());
    const problem = problemOf(record);
    if (problem !== undefined) return graph(problem);
    return { token, record };
  }

  /** The IG account a Page token speaks for (usage headers, throttles), without answering anything. */
  function tokenAccountId(req: Req): string | undefined {
    const token = tokenOf(req);
    const pageId = token === undefined ? undefined : tokens.get(token)?.pageId;
    return pageId === undefined ? undefined : pageById(pageId)?.igAccountId;
  }

  /** Whether this request carries a Facebook-flavour token (routes it to graph.facebook.com's handlers). */
  function ownsRequest(req: Req): boolean {
    const token = tokenOf(req);
    return token !== undefined && (tokens.has(token) || token.startsWith("EAA"));
  }

  function unsubscribePage(pageId: string): void {
    pageSubscriptions.delete(pageId);
    const igId = pageById(pageId)?.igAccountId;
    if (igId !== undefined) ctx.webhookSecrets.delete(igId);
  }

  /** Marks the affected tokens invalid; returns how many. Role removal also takes the Page off the person. */
  function invalidate(input: { reason: InvalidationReason; userId?: string; pageId?: string }): number {
    const user = userOrThrow(input.userId);
    if (input.reason === "role_removal") {
      const pageId = input.pageId ?? user.pages[0]?.id;
      if (pageId === undefined) throw new Error("role_removal needs a Page");
      removedRoles.add(`${user.id}:${pageId}`);
    }
    let count = 0;
    for (const record of tokens.values()) {
      if (record.userId !== user.id || record.invalidated !== undefined) continue;
      if (input.reason === "role_removal" && record.pageId !== (input.pageId ?? user.pages[0]?.id)) continue;
      record.invalidated = input.reason;
      count += 1;
    }
    if (input.reason === "app_removal") for (const p of user.pages) unsubscribePage(p.id);
    return count;
  }

  /** Error replies for the admin route, never including tokens. */
  const adminError = (message: string) => json(400, { error: message });

  return {
    options,
    users,
    tokens,
    codes,
    pageSubscriptions,
    userById,
    userOrThrow,
    pageById,
    hasRole,
    issue,
    issuePageToken,
    seedPageToken,
    problemOf,
    authenticate,
    tokenAccountId,
    ownsRequest,
    unsubscribePage,
    invalidate,
    adminError,
  };
}
