import type { AccountType } from "../integration";
import type { TokenKeys } from "../token-seal";
import { sealToken } from "../token-seal";
import { facebookTicket } from "./facebook-callback";
import type { FacebookLogin } from "./facebook-ports";
import { allowedReturnTo } from "./oauth-start";
import type { ConnectTicketStore, InstagramLogin, OAuthStateStore } from "./ports";
import { StepFailure, step } from "./steps";
import { newTicket, TICKET_LIFETIME_MS, ticketHash } from "./ticket";

/**
 * Stable reasons on `returnTo?instagram=error&reason=…`; apps branch on them (docs/connect-flow.md).
 */
export const ConnectFailureReasons = [
  "access_denied",
  "authorization_failed",
  "missing_code",
  "code_exchange_failed",
  "long_lived_exchange_failed",
  "profile_fetch_failed",
  "account_not_professional",
  "subscribe_failed",
  "connect_failed",
  /** The user did not grant `instagram_business_manage_messages`: the integration could not send or receive DMs. */
  "permission_missing",
  /** Facebook flavour: `/me/accounts` (the person's Pages) failed. */
  "page_list_failed",
] as const;
export type ConnectFailureReason = (typeof ConnectFailureReasons)[number];

/** The Meta step that failed, with Meta's code and trace id for the log (never a token). */
export interface ConnectFailureCause {
  readonly step:
    | "authorize"
    | "code_exchange"
    | "permissions"
    | "long_lived_exchange"
    | "profile"
    | "pages"
    | "subscribe"
    | "store"
    | "ticket";
  readonly metaCode?: number;
  readonly metaSubcode?: number;
  readonly fbtraceId?: string;
  readonly message?: string;
}

/** Where the callback leaves the browser. */
export type CallbackOutcome =
  /** Unknown, reused or expired state: answer with a page, never a redirect. */
  | { readonly kind: "state_rejected"; readonly reason: "state_invalid" | "state_expired" }
  | {
      /** The account is ready to connect: the app's page completes it with `POST /instagram/oauth/complete`. */
      readonly kind: "ticket_issued";
      /** returnTo with `connect_ticket=<ticket>`. */
      readonly location: string;
      readonly tenant: { readonly imoId: string; readonly userId: string };
      /** Instagram flavour: the account. */
      readonly igAccountId?: string;
      readonly loginFlavour?: "facebook";
      /** Facebook flavour: how many Pages with a linked account the ticket offers. */
      readonly pages?: number;
    }
  | {
      readonly kind: "failed";
      readonly location: string;
      readonly reason: ConnectFailureReason;
      readonly cause: ConnectFailureCause;
    };

export interface CallbackInput {
  readonly state?: string;
  readonly code?: string;
  readonly error?: string;
  readonly errorReason?: string;
}

export interface CallbackDeps {
  readonly states: OAuthStateStore;
  readonly login: InstagramLogin;
  /** The Facebook Login client; absent where the Facebook app is not configured. */
  readonly facebook?: FacebookLogin;
  readonly tickets: ConnectTicketStore;
  readonly keys: TokenKeys;
  readonly redirectUri: string;
  readonly allowedOrigins: readonly string[];
  readonly now: () => number;
  /** Called with every token as soon as it is held, so logs mask it. */
  readonly onSecret: (value: string) => void;
}

/** The permission without which an integration can neither receive nor send DMs. */
export const MESSAGING_PERMISSION = "instagram_business_manage_messages";

const PROFESSIONAL: readonly string[] = ["BUSINESS", "MEDIA_CREATOR"] satisfies AccountType[];

/** Builds `returnTo` + `instagram=error&reason=…` from a stored, allow-listed returnTo. */
export function landingUrl(returnTo: string, result: "error", reason?: string): string {
  const url = new URL(returnTo);
  url.searchParams.set("instagram", result);
  if (reason !== undefined) url.searchParams.set("reason", reason);
  return url.href;
}

/** Builds `returnTo` + `connect_ticket=<ticket>`: the app's page redeems it with its own JWT. */
export function ticketUrl(returnTo: string, ticket: string): string {
  const url = new URL(returnTo);
  url.searchParams.set("connect_ticket", ticket);
  return url.href;
}

/**
 * The OAuth callback: consumes the state (once), then code → short-lived token → long-lived token →
 * profile (valid fields only) → professional check → a single-use completion ticket bound to the tenant
 * that started the flow. It connects nothing: whoever finishes the consent in a browser only gets a ticket
 * that the starting tenant's JWT must redeem (`completeConnect` in complete.ts). Every failure after the
 * state check lands on the app with a stable reason.
 */
export async function handleCallback(input: CallbackInput, deps: CallbackDeps): Promise<CallbackOutcome> {
  if (input.state === undefined) return { kind: "state_rejected", reason: "state_invalid" };
  const record = await deps.states.consume(input.state);
  if (record === undefined) return { kind: "state_rejected", reason: "state_invalid" };
  if (record.expiresAt <= deps.now()) return { kind: "state_rejected", reason: "state_expired" };
  // Re-checked against today's allow-list: an origin removed since the flow started is not redirected to.
  const returnTo =
    record.returnTo === undefined ? undefined : allowedReturnTo(record.returnTo, deps.allowedOrigins);
  // A ticket needs the app's page to redeem it; states stored before returnTo became required have none.
  if (returnTo === undefined) return { kind: "state_rejected", reason: "state_invalid" };
  const fail = (reason: ConnectFailureReason, cause: ConnectFailureCause): CallbackOutcome => ({
    kind: "failed",
    reason,
    cause,
    location: landingUrl(returnTo, "error", reason),
  });

  if (input.error !== undefined) {
    const reason = input.error === "access_denied" ? "access_denied" : "authorization_failed";
    return fail(reason, { step: "authorize", message: input.errorReason ?? input.error });
  }
  if (input.code === undefined) return fail("missing_code", { step: "authorize" });
  const code = input.code;
  const tenant = { userId: record.userId, imoId: record.imoId };

  try {
    if (record.loginFlavour === "facebook") {
      const facebook = deps.facebook;
      // The stage stopped offering the flavour (or lost the Facebook app) while the sign-in was under way.
      if (facebook === undefined) {
        return fail("connect_failed", { step: "authorize", message: "Facebook Login is not configured" });
      }
      const issued = await facebookTicket(code, tenant, { ...deps, facebook });
      return {
        kind: "ticket_issued",
        location: ticketUrl(returnTo, issued.ticket),
        tenant,
        loginFlavour: "facebook",
        pages: issued.pages,
      };
    }
    const shortLived = await step("code_exchange", "code_exchange_failed", () =>
      deps.login.exchangeCode(code, deps.redirectUri),
    );
    deps.onSecret(shortLived.accessToken);
    // Meta lists the permissions the user granted; one can be declined on the consent screen. An empty list is
    // "not reported" (no documented answer omits it), so only a list without the messaging permission fails.
    const granted = shortLived.permissions;
    if (granted.length > 0 && !granted.includes(MESSAGING_PERMISSION)) {
      return fail("permission_missing", {
        step: "permissions",
        message: `granted: ${granted.filter((p) => /^[a-z_]{1,60}$/.test(p)).join(",")}`,
      });
    }
    const longLived = await step("long_lived_exchange", "long_lived_exchange_failed", () =>
      deps.login.exchangeLongLived(shortLived.accessToken),
    );
    deps.onSecret(longLived.accessToken);
    const issuedAt = deps.now();
    const profile = await step("profile", "profile_fetch_failed", () =>
      deps.login.profile(longLived.accessToken),
    );
    const accountType = profile.accountType ?? "";
    if (!PROFESSIONAL.includes(accountType)) {
      return fail("account_not_professional", {
        step: "profile",
        message: `account_type ${accountType || "absent"}`,
      });
    }
    const ticket = newTicket();
    await step("ticket", "connect_failed", () =>
      deps.tickets.put(ticketHash(ticket), {
        ...tenant,
        profile: {
          igAccountId: profile.igAccountId,
          appScopedUserId: profile.appScopedUserId,
          ...(shortLived.appScopedUserId === undefined ? {} : { tokenUserId: shortLived.appScopedUserId }),
          username: profile.username,
          ...(profile.name === undefined ? {} : { name: profile.name }),
          accountType: accountType as AccountType,
          ...(profile.profilePictureUrl === undefined
            ? {}
            : { profilePictureUrl: profile.profilePictureUrl }),
        },
        token: sealToken(longLived.accessToken, deps.keys, { ...tenant, igAccountId: profile.igAccountId }),
        tokenIssuedAt: issuedAt,
        tokenExpiresAt: issuedAt + longLived.expiresInSeconds * 1000,
        createdAt: deps.now(),
        expiresAt: deps.now() + TICKET_LIFETIME_MS,
      }),
    );
    return {
      kind: "ticket_issued",
      location: ticketUrl(returnTo, ticket),
      tenant,
      igAccountId: profile.igAccountId,
    };
  } catch (error) {
    if (error instanceof StepFailure) return fail(error.reason, error.failure);
    throw error;
  }
}
