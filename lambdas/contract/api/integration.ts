import * as z from "zod";
import { IsoTime, MetaId } from "./common";

/** The caller's integration (`GET /instagram/integration`). Tokens are never part of it. */
export const IntegrationView = z.object({
  status: z.enum(["connected", "needs_reauth", "revoked"]),
  username: z.string(),
  name: z.string().optional(),
  accountType: z.enum(["BUSINESS", "MEDIA_CREATOR"]),
  igAccountId: MetaId,
  connectedAt: IsoTime,
  tokenExpiresAt: IsoTime.optional(),
  sharedWithOtherOrganisations: z
    .boolean()
    .optional()
    .describe(
      "True when the same Instagram account is also connected in another organisation, which then receives its DMs too",
    ),
  otherOrganisationCount: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("How many other organisations have this account connected (never which ones)"),
});

/** No integration for this user in this organisation. */
export const NoIntegration = z.object({ status: z.literal("none") });

export const IntegrationResponse = z.union([IntegrationView, NoIntegration]).meta({ id: "Integration" });

export type IntegrationResponseBody = z.input<typeof IntegrationResponse>;
