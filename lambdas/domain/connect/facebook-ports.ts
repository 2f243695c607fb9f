import type { SealedToken } from "../integration";
import type { LongLivedToken } from "./ports";

/**
 * The Facebook Login flavour's ports: Meta's Facebook Login and Pages endpoints on graph.facebook.com, and what
 * its completion ticket carries. Adapters implement them; unit tests pass fakes.
 */

/** A Page the person granted, as `/me/accounts` lists it, with its linked Instagram professional account if any. */
export interface FacebookPageGrant {
  readonly pageId: string;
  readonly pageName: string;
  /** The Page access token: never expires when read with a long-lived user token. */
  readonly accessToken: string;
  readonly instagram?: { readonly igAccountId: string; readonly username: string; readonly name?: string };
}

/** Meta's Facebook Login and Page endpoints; every method throws MetaCallError on a Meta failure. */
export interface FacebookLogin {
  exchangeCode(code: string, redirectUri: string): Promise<{ readonly accessToken: string }>;
  exchangeLongLived(userToken: string): Promise<LongLivedToken>;
  /** The app-scoped Facebook user id (`/me.id`). */
  me(userToken: string): Promise<{ readonly facebookUserId: string }>;
  /** Every Page the person granted (all pages of `/me/accounts`). */
  pages(userToken: string): Promise<readonly FacebookPageGrant[]>;
  /** `POST /<PAGE_ID>/subscribed_apps`, then reads the subscription back: throws unless it took. */
  subscribePage(pageId: string, pageToken: string): Promise<void>;
  unsubscribePage(pageId: string, pageToken: string): Promise<void>;
}

/** One Page a Facebook ticket can connect: the Page, its linked account, and the Page token sealed for it. */
export interface TicketPage {
  readonly pageId: string;
  readonly pageName: string;
  readonly igAccountId: string;
  readonly username: string;
  readonly name?: string;
  /** Sealed bound to (tenant, igAccountId), like every stored token. */
  readonly token: SealedToken;
}

/** What a Facebook Login callback hands to the completion: the person and the Pages they may connect. */
export interface FacebookTicketFields {
  readonly loginFlavour: "facebook";
  readonly facebookUserId: string;
  /** Only Pages with a linked Instagram professional account; empty: nothing to connect. */
  readonly pages: readonly TicketPage[];
}
