import * as z from "zod";
import { LOGIN_FLAVOURS } from "../vocabulary";
import { IsoTime, MetaId } from "./common";
import { IntegrationView } from "./integration";

/**
 * `POST /instagram/oauth/init` body. `returnTo` is required (the app's page there redeems the connect ticket)
 * and must match the stage's allow-list (checked by the handler).
 */
export const OAuthInitBody = z
  .strictObject({
    returnTo: z
      .url()
      .max(2048)
      .describe(
        "The app page that receives `connect_ticket` and completes the connect; an allowed app origin",
      ),
    loginFlavour: z
      .enum(LOGIN_FLAVOURS)
      .optional()
      .describe(
        "Default instagram. instagram: Instagram Login (instagram.com). facebook: Facebook Login, for an Instagram account linked to a Facebook Page (messaged through the Page). Each must be enabled on the stage",
      ),
  })
  .meta({ id: "OAuthInitRequest" });

export const OAuthInitResponse = z
  .object({
    authorizationUrl: z.url().describe("Send the user's browser here"),
    expiresAt: IsoTime.describe("When the sign-in link (its state) expires"),
  })
  .meta({ id: "OAuthInitResponse" });

/** `GET /instagram/oauth/callback` query, as Instagram sends it (success or denial). Unknown params ignored. */
export const OAuthCallbackQuery = z.object({
  code: z.string().min(1).max(2048).optional(),
  state: z.string().min(1).max(512).optional(),
  error: z.string().max(256).optional(),
  error_reason: z.string().max(256).optional(),
  error_description: z.string().max(1024).optional(),
});

/** `POST /instagram/oauth/complete` body: the ticket the callback put on returnTo as `connect_ticket`. */
export const OAuthCompleteBody = z
  .strictObject({
    ticket: z.string().min(1).max(128).describe("The `connect_ticket` query parameter of the landing URL"),
    pageId: MetaId.optional().describe(
      "Facebook flavour: the Page to connect, one of a `choosePage` answer's; not needed when there is one",
    ),
  })
  .meta({ id: "OAuthCompleteRequest" });

/** A Page of a Facebook Login ticket the app may connect (its linked Instagram professional account). */
export const PageChoiceView = z.object({
  pageId: MetaId,
  pageName: z.string(),
  igAccountId: MetaId,
  username: z.string(),
  name: z.string().optional(),
});

/** `POST /instagram/oauth/complete` with a Facebook ticket offering several Pages and no `pageId`. */
export const ChoosePageResponse = z.object({
  choosePage: z
    .array(PageChoiceView)
    .describe("Ask the user which Page; then call again with the same ticket and `pageId`"),
  expiresAt: IsoTime.describe("The ticket stays usable (for this tenant only) until then"),
});

export type ChoosePageBody = z.input<typeof ChoosePageResponse>;

export type OAuthInitResult = z.input<typeof OAuthInitResponse>;

/** `POST /instagram/oauth/complete`: the connected integration, or the Pages to choose from. */
export const OAuthCompleteResponse = z
  .union([IntegrationView, ChoosePageResponse])
  .meta({ id: "OAuthCompleteResult" });
