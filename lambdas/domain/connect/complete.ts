import type { Integration } from "../integration";
import type { Tenant } from "../tenant";
import { openToken, type TokenKeys } from "../token-seal";
import { type ConnectKind, connectIntegration, type IncomingConnection } from "./connect-rules";
import type { FacebookLogin, TicketPage } from "./facebook-ports";
import { otherOrganisations, unsubscribeIfUnused } from "./lifecycle";
import {
  type ConnectTicketRecord,
  type ConnectTicketStore,
  type InstagramLogin,
  type IntegrationStore,
  MetaCallError,
  type TicketRefusal,
} from "./ports";
import { isTicketShaped, ticketHash } from "./ticket";

/** A Page the app may pick from a Facebook ticket (never its token). */
export type PageChoice = Omit<TicketPage, "token">;

/**
 * How `POST /instagram/oauth/complete` ended. A refusal tells the caller only `ticket_invalid` or (to the
 * tenant that owns it) `ticket_expired`, `page_invalid`, `no_linked_instagram_account`; `why` is for the log.
 */
export type CompleteOutcome =
  | {
      readonly kind: "connected";
      readonly integration: Integration;
      readonly connectKind: ConnectKind;
      /** Other organisations with this account connected (they receive its DMs too). */
      readonly otherOrganisations: number;
      /** After a switch of account (or flavour): whether the old subscription was removed at Meta. */
      readonly unsubscribedOld?: "done" | "skipped" | "failed";
    }
  | {
      /** A Facebook ticket with several Pages and no `pageId`: the ticket stays usable until it expires. */
      readonly kind: "choose_page";
      readonly pages: readonly PageChoice[];
      readonly expiresAt: number;
    }
  | {
      readonly kind: "refused";
      readonly reason: "ticket_invalid" | "ticket_expired" | "page_invalid" | "no_linked_instagram_account";
      readonly why: TicketRefusal | "malformed" | "expired" | "page_invalid" | "no_linked_account";
    }
  | {
      /** Meta refused the webhook subscription; the ticket is spent, the user connects again. */
      readonly kind: "subscribe_failed";
      readonly metaCode?: number;
      readonly fbtraceId?: string;
      readonly message: string;
    };

export interface CompleteDeps {
  readonly tickets: ConnectTicketStore;
  readonly login: InstagramLogin;
  /** The Facebook Login client; needed to complete Facebook tickets. */
  readonly facebook?: FacebookLogin;
  readonly integrations: IntegrationStore;
  readonly keys: TokenKeys;
  readonly now: () => number;
  /** Called with the token as soon as it is opened, so logs mask it. */
  readonly onSecret: (value: string) => void;
}

/** What the ticket connects: the account, how to subscribe it, and its stored shape. */
type Choice =
  | {
      readonly kind: "connect";
      readonly incoming: IncomingConnection;
      readonly subscribe: (token: string) => Promise<void>;
    }
  | Extract<CompleteOutcome, { kind: "choose_page" | "refused" }>;

function choose(record: ConnectTicketRecord, pageId: string | undefined, deps: CompleteDeps): Choice {
  if (record.loginFlavour !== "facebook") {
    if (pageId !== undefined) return { kind: "refused", reason: "page_invalid", why: "page_invalid" };
    const login = deps.login;
    return {
      kind: "connect",
      incoming: {
        ...record.profile,
        token: record.token,
        tokenIssuedAt: record.tokenIssuedAt,
        tokenExpiresAt: record.tokenExpiresAt,
      },
      subscribe: (token) => login.subscribe(record.profile.igAccountId, token),
    };
  }
  if (record.pages.length === 0) {
    return { kind: "refused", reason: "no_linked_instagram_account", why: "no_linked_account" };
  }
  const page =
    pageId === undefined
      ? record.pages.length === 1
        ? record.pages[0]
        : undefined
      : record.pages.find((candidate) => candidate.pageId === pageId);
  if (pageId !== undefined && page === undefined) {
    return { kind: "refused", reason: "page_invalid", why: "page_invalid" };
  }
  if (page === undefined) {
    return {
      kind: "choose_page",
      pages: record.pages.map(({ token: _token, ...choice }) => choice),
      expiresAt: record.expiresAt,
    };
  }
  const facebook = deps.facebook;
  return {
    kind: "connect",
    incoming: {
      igAccountId: page.igAccountId,
      appScopedUserId: record.facebookUserId,
      username: page.username,
      ...(page.name === undefined ? {} : { name: page.name }),
      loginFlavour: "facebook",
      page: { id: page.pageId, name: page.pageName },
      facebookUserId: record.facebookUserId,
      token: page.token,
      tokenIssuedAt: record.createdAt,
    },
    subscribe: async (token) => {
      if (facebook === undefined) throw new MetaCallError("Facebook Login is not configured");
      await facebook.subscribePage(page.pageId, token);
    },
  };
}

/**
 * Redeems a completion ticket for the caller: only the tenant (organisation and user) that started the
 * flow can, and only once, within its lifetime. A Facebook ticket with several Pages answers the choice and stays
 * usable (for its tenant, until it expires) until the app names one; a wrong `pageId` spends nothing. Then
 * subscribes the account (or Page) to webhooks and stores the integration under both uniqueness rules. Another
 * tenant's attempt neither learns about the ticket nor spends it.
 */
export async function completeConnect(
  ticket: string,
  tenant: Tenant,
  deps: CompleteDeps,
  pageId?: string,
): Promise<CompleteOutcome> {
  if (!isTicketShaped(ticket)) return { kind: "refused", reason: "ticket_invalid", why: "malformed" };
  const hash = ticketHash(ticket);
  const seen = await deps.tickets.peek(hash, tenant);
  if (seen.kind === "refused") return { kind: "refused", reason: "ticket_invalid", why: seen.why };
  // Only the owner gets here, so telling it apart from an unknown ticket reveals nothing to anyone else.
  if (seen.record.expiresAt <= deps.now())
    return { kind: "refused", reason: "ticket_expired", why: "expired" };
  const choice = choose(seen.record, pageId, deps);
  if (choice.kind === "choose_page" || (choice.kind === "refused" && choice.reason === "page_invalid")) {
    return choice;
  }
  // Spent here, once: a racing completion of the same ticket finds it gone.
  const redemption = await deps.tickets.redeem(hash, tenant);
  if (redemption.kind === "refused")
    return { kind: "refused", reason: "ticket_invalid", why: redemption.why };
  if (choice.kind === "refused") return choice;
  const { incoming } = choice;

  const accessToken = openToken(incoming.token, deps.keys, { ...tenant, igAccountId: incoming.igAccountId });
  deps.onSecret(accessToken);
  try {
    await choice.subscribe(accessToken);
  } catch (error) {
    if (!(error instanceof MetaCallError)) throw error;
    return {
      kind: "subscribe_failed",
      ...(error.code === undefined ? {} : { metaCode: error.code }),
      ...(error.fbtraceId === undefined ? {} : { fbtraceId: error.fbtraceId }),
      message: error.message,
    };
  }
  const stored = await connectIntegration(
    deps.integrations,
    tenant,
    incoming,
    deps.now,
    (attempt) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt)),
  );
  // Best effort, like disconnect: a failure leaves the old subscription, which only costs deliveries that route
  // to nobody (or arrive twice, stored once); the connect itself succeeded.
  const unsubscribedOld =
    stored.replaced === undefined
      ? undefined
      : await unsubscribeIfUnused(stored.replaced, {
          store: deps.integrations,
          login: deps.login,
          ...(deps.facebook === undefined ? {} : { facebook: deps.facebook }),
          keys: deps.keys,
          onSecret: deps.onSecret,
        });
  return {
    kind: "connected",
    integration: stored.integration,
    connectKind: stored.kind,
    otherOrganisations: await otherOrganisations(deps.integrations, stored.integration),
    ...(unsubscribedOld === undefined
      ? {}
      : { unsubscribedOld: typeof unsubscribedOld === "string" ? unsubscribedOld : "failed" }),
  };
}
