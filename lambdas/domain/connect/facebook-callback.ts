import type { Tenant } from "../tenant";
import { sealToken, type TokenKeys } from "../token-seal";
import type { FacebookLogin, TicketPage } from "./facebook-ports";
import type { ConnectTicketStore } from "./ports";
import { step } from "./steps";
import { newTicket, TICKET_LIFETIME_MS, ticketHash } from "./ticket";

/**
 * The Facebook Login flavour's callback steps (Facebook Login for Business, manual flow): code → short-lived user
 * token → long-lived user token → `/me` (the app-scoped Facebook user id) → `/me/accounts` (the granted Pages, each
 * with its Page token and linked Instagram professional account). Page tokens read with a long-lived user token do
 * not expire. The Pages with a linked account go into one ticket, each Page token sealed for (tenant, account);
 * the completion connects the one the app picks. Throws StepFailure with the reason the app sees.
 */
export async function facebookTicket(
  code: string,
  tenant: Tenant,
  deps: {
    readonly facebook: FacebookLogin;
    readonly tickets: ConnectTicketStore;
    readonly keys: TokenKeys;
    readonly redirectUri: string;
    readonly now: () => number;
    readonly onSecret: (value: string) => void;
  },
): Promise<{ readonly ticket: string; readonly pages: number }> {
  const shortLived = await step("code_exchange", "code_exchange_failed", () =>
    deps.facebook.exchangeCode(code, deps.redirectUri),
  );
  deps.onSecret(shortLived.accessToken);
  const longLived = await step("long_lived_exchange", "long_lived_exchange_failed", () =>
    deps.facebook.exchangeLongLived(shortLived.accessToken),
  );
  deps.onSecret(longLived.accessToken);
  const { facebookUserId } = await step("profile", "profile_fetch_failed", () =>
    deps.facebook.me(longLived.accessToken),
  );
  const grants = await step("pages", "page_list_failed", () => deps.facebook.pages(longLived.accessToken));
  const pages: TicketPage[] = [];
  for (const grant of grants) {
    deps.onSecret(grant.accessToken);
    if (grant.instagram === undefined) continue;
    const { igAccountId, username, name } = grant.instagram;
    pages.push({
      pageId: grant.pageId,
      pageName: grant.pageName,
      igAccountId,
      username,
      ...(name === undefined ? {} : { name }),
      token: sealToken(grant.accessToken, deps.keys, { ...tenant, igAccountId }),
    });
  }
  const ticket = newTicket();
  await step("ticket", "connect_failed", () =>
    deps.tickets.put(ticketHash(ticket), {
      ...tenant,
      loginFlavour: "facebook",
      facebookUserId,
      pages,
      createdAt: deps.now(),
      expiresAt: deps.now() + TICKET_LIFETIME_MS,
    }),
  );
  return { ticket, pages: pages.length };
}
