import * as z from "zod";
import { IsoTime } from "./common";

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
  })
  .meta({ id: "OAuthCompleteRequest" });

export type OAuthInitResult = z.input<typeof OAuthInitResponse>;
