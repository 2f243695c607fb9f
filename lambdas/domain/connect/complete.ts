import type { Integration } from "../integration";
import type { Tenant } from "../tenant";
import { openToken, type TokenKeys } from "../token-seal";
import { type ConnectKind, connectIntegration } from "./connect-rules";
import { otherOrganisations, unsubscribeIfUnused } from "./lifecycle";
import {
  type ConnectTicketStore,
  type InstagramLogin,
  type IntegrationStore,
  MetaCallError,
  type TicketRefusal,
} from "./ports";
import { isTicketShaped, ticketHash } from "./ticket";

/**
 * How `POST /instagram/oauth/complete` ended. A refusal tells the caller only `ticket_invalid` or (to the
 * tenant that owns it) `ticket_expired`; `why` is for the log.
 */
export type CompleteOutcome =
  | {
      readonly kind: "connected";
      readonly integration: Integration;
      readonly connectKind: ConnectKind;
      /** Other organisations with this account connected (they receive its DMs too). */
      readonly otherOrganisations: number;
      /** After a switch of account: whether the old account was unsubscribed at Meta. */
      readonly unsubscribedOld?: "done" | "skipped" | "failed";
    }
  | {
      readonly kind: "refused";
      readonly reason: "ticket_invalid" | "ticket_expired";
      readonly why: TicketRefusal | "malformed" | "expired";
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
  readonly integrations: IntegrationStore;
  readonly keys: TokenKeys;
  readonly now: () => number;
  /** Called with the token as soon as it is opened, so logs mask it. */
  readonly onSecret: (value: string) => void;
}

/**
 * Redeems a completion ticket for the caller: only the tenant (organisation and user) that started the
 * flow can, and only once, within its lifetime. Then subscribes the account to webhooks and stores the
 * integration under both uniqueness rules. Another tenant's attempt neither learns about the ticket nor
 * spends it.
 */
export async function completeConnect(
  ticket: string,
  tenant: Tenant,
  deps: CompleteDeps,
): Promise<CompleteOutcome> {
  if (!isTicketShaped(ticket)) return { kind: "refused", reason: "ticket_invalid", why: "malformed" };
  const redemption = await deps.tickets.redeem(ticketHash(ticket), tenant);
  if (redemption.kind === "refused")
    return { kind: "refused", reason: "ticket_invalid", why: redemption.why };
  const { record } = redemption;
  // Only the owner gets here, so telling it apart from an unknown ticket reveals nothing to anyone else.
  if (record.expiresAt <= deps.now()) return { kind: "refused", reason: "ticket_expired", why: "expired" };

  const accessToken = openToken(record.token, deps.keys, {
    ...tenant,
    igAccountId: record.profile.igAccountId,
  });
  deps.onSecret(accessToken);
  try {
    await deps.login.subscribe(record.profile.igAccountId, accessToken);
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
    {
      ...record.profile,
      token: record.token,
      tokenIssuedAt: record.tokenIssuedAt,
      tokenExpiresAt: record.tokenExpiresAt,
    },
    deps.now,
    (attempt) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt)),
  );
  // Best effort, like disconnect: a failure leaves the old account subscribed, which only costs deliveries
  // that route to nobody; the connect itself succeeded.
  const unsubscribedOld =
    stored.replaced === undefined
      ? undefined
      : await unsubscribeIfUnused(stored.replaced, {
          store: deps.integrations,
          login: deps.login,
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
