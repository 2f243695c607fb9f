import * as z from "zod";
import { IsoTime, MetaId } from "./common";

/** The account's history import (docs/app-api.md "History import"). */
export const HistoryView = z
  .object({
    status: z.enum(["running", "completed", "failed"]),
    conversations: z.number().int().min(0).describe("Conversations imported so far"),
    messages: z
      .number()
      .int()
      .min(0)
      .describe("Messages read from Meta and stored (a message already stored from a webhook counts once)"),
    startedAt: IsoTime,
    finishedAt: IsoTime.optional(),
    error: z
      .enum([
        "reauth_required",
        "integration_disconnected",
        "permission_missing",
        "meta_unavailable",
        "meta_refused",
      ])
      .optional()
      .describe("Why a failed import stopped"),
  })
  .meta({ id: "HistoryImport" });

export type HistoryViewBody = z.input<typeof HistoryView>;

/** The caller's integration (`GET /instagram/integration`). Tokens are never part of it. */
export const IntegrationView = z.object({
  status: z
    .enum(["connected", "restricted", "needs_reauth", "revoked"])
    .describe(
      "restricted: connected, but Meta refuses every send of the account for now (see restriction); queued messages wait",
    ),
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
  restriction: z
    .object({
      reason: z
        .enum(["account_restricted", "business_blocked"])
        .describe("account_restricted: Meta 10/1893063; business_blocked: Meta 100/2534029"),
      since: IsoTime,
      seenAt: IsoTime.describe("Meta's latest refusal (sends are probed about once an hour)"),
    })
    .optional()
    .describe("Present while status is restricted"),
  history: HistoryView.optional().describe("The latest history import of this account, once one was started"),
});

/** No integration for this user in this organisation. */
export const NoIntegration = z.object({ status: z.literal("none") });

export const IntegrationResponse = z.union([IntegrationView, NoIntegration]).meta({ id: "Integration" });

export type IntegrationResponseBody = z.input<typeof IntegrationResponse>;
