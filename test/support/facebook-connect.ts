import { expect } from "vitest";
import { DEFAULT_ACCOUNT, type SimFacebookUser } from "../../dev/meta-simulator/index";
import { ACCOUNTS, RETURN_TO, startConnectHarness, type Tenant, ticketOf } from "./connect-harness";
import { FAKE } from "./fake-secrets";

/** The Facebook app (Facebook Login + Messenger products) the handlers and the simulator share. */
export const FB_APP = { appId: "1234567890123456", appSecret: FAKE.metaAppSecret } as const;

/** The one Page of `FB_USERS.onePage`, linked to the simulator's default account. */
export const ONE_PAGE = {
  id: "104982763519285",
  name: "Riviera Linen Studio",
  igAccountId: DEFAULT_ACCOUNT.igId,
};

/** Facebook people: one Page, several Pages (one unlinked), no Page with a linked account. */
export const FB_USERS = {
  onePage: {
    id: "10160412345678901",
    name: "Camille Riviera",
    pages: [ONE_PAGE],
  },
  severalPages: {
    id: "10160400000000002",
    name: "Jordan Several",
    pages: [
      { id: "104900000000001", name: "Second Shop", igAccountId: ACCOUNTS.second.igId },
      { id: "104900000000002", name: "Unlinked Page" },
      { id: "104900000000003", name: "Creator Page", igAccountId: ACCOUNTS.creator.igId },
    ],
  },
  noLinked: {
    id: "10160400000000003",
    name: "Nobody Linked",
    pages: [{ id: "104900000000009", name: "Bakery Page" }],
  },
} satisfies Record<string, SimFacebookUser>;

/**
 * The connect harness with both flavours enabled: the simulator plays the Facebook app too, and the handlers'
 * secret carries `META_APP_ID`/`META_APP_SECRET`. Adds the Facebook Login steps a browser would take.
 */
export async function startFacebookConnectHarness() {
  const h = await startConnectHarness(
    { LOGIN_FLAVOURS: "instagram,facebook" },
    {
      sim: {
        facebookAppId: FB_APP.appId,
        facebookAppSecret: FB_APP.appSecret,
        facebookUsers: Object.values(FB_USERS),
      },
      secretFields: { META_APP_ID: FB_APP.appId, META_APP_SECRET: FB_APP.appSecret },
    },
  );

  /** init with `loginFlavour: "facebook"`, then the Facebook dialog; returns the callback's query. */
  const authorizeFacebook = async (
    tenant: Tenant,
    options: { userId: string; pageIds?: readonly string[]; deny?: boolean },
  ) => {
    const started = await h.init(tenant, { returnTo: RETURN_TO, loginFlavour: "facebook" });
    expect(started.statusCode, started.body ?? "").toBe(200);
    const params = new URL(JSON.parse(started.body ?? "{}").authorizationUrl).searchParams;
    const landing = h.sim.facebook.authorize({
      clientId: params.get("client_id") ?? "",
      redirectUri: params.get("redirect_uri") ?? "",
      scope: params.get("scope") ?? "",
      state: params.get("state") ?? "",
      userId: options.userId,
      ...(options.pageIds === undefined ? {} : { pageIds: options.pageIds }),
      ...(options.deny === undefined ? {} : { deny: options.deny }),
    });
    return Object.fromEntries(new URL(landing).searchParams);
  };

  /** The callback of a Facebook sign-in: the ticket it issued (fails the test if it issued none). */
  const facebookTicket = async (tenant: Tenant, userId: string) => {
    const landed = await h.callback(await authorizeFacebook(tenant, { userId }));
    const ticket = ticketOf(landed);
    expect(ticket, String(landed.headers?.location)).toBeDefined();
    return ticket ?? "";
  };

  /** Both steps with the Facebook flavour; `pageId` when the person has several Pages. */
  const connectFacebook = async (tenant: Tenant, userId: string, pageId?: string) =>
    h.complete(tenant, await facebookTicket(tenant, userId), pageId);

  return { ...h, authorizeFacebook, facebookTicket, connectFacebook };
}

export type FacebookConnectHarness = Awaited<ReturnType<typeof startFacebookConnectHarness>>;
