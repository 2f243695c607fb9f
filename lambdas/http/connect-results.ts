import { isoTime } from "../contract/api/common";
import type { DataDeletionResponseBody, DataDeletionStatusBody } from "../contract/api/data-deletion";
import type { HistoryViewBody, IntegrationResponseBody } from "../contract/api/integration";
import type { OAuthInitResult } from "../contract/api/oauth";
import type { CallbackOutcome } from "../domain/connect/callback";
import type { CompleteOutcome } from "../domain/connect/complete";
import { type IntegrationSummary, summarise } from "../domain/connect/lifecycle";
import type { DataDeletionRecord } from "../domain/connect/ports";
import { AppError } from "../domain/errors";
import type { HistoryJob } from "../domain/history/ports";
import type { SignedRequestOutcome } from "../wiring/signed-request";
import { html, json, redirect } from "./responses";
import type { HttpResult } from "./types";

/** `GET /instagram/integration`: the caller's integration, or `{ status: "none" }`; never a token. */
export function integrationBody(
  summary: IntegrationSummary | undefined,
  history?: HistoryJob,
): IntegrationResponseBody {
  if (summary === undefined) return { status: "none" };
  return {
    status: summary.status,
    username: summary.username,
    ...(summary.name === undefined ? {} : { name: summary.name }),
    accountType: summary.accountType,
    igAccountId: summary.igAccountId,
    connectedAt: isoTime(summary.connectedAt),
    ...(summary.tokenExpiresAt === undefined ? {} : { tokenExpiresAt: isoTime(summary.tokenExpiresAt) }),
    ...(summary.otherOrganisations === undefined
      ? {}
      : {
          sharedWithOtherOrganisations: summary.otherOrganisations > 0,
          otherOrganisationCount: summary.otherOrganisations,
        }),
    ...(summary.restriction === undefined
      ? {}
      : {
          restriction: {
            reason: summary.restriction.reason,
            since: isoTime(summary.restriction.since),
            seenAt: isoTime(summary.restriction.seenAt),
          },
        }),
    ...(history === undefined || history.igAccountId !== summary.igAccountId
      ? {}
      : { history: historyBody(history) }),
  };
}

/** The progress of an account's history import (never its cursor or the user it reads as). */
export function historyBody(job: HistoryJob): HistoryViewBody {
  return {
    status: job.status,
    conversations: job.conversations,
    messages: job.messages,
    startedAt: isoTime(job.startedAt),
    ...(job.finishedAt === undefined ? {} : { finishedAt: isoTime(job.finishedAt) }),
    ...(job.error === undefined ? {} : { error: job.error }),
  };
}

/** `POST /instagram/oauth/init`: the sign-in link and when it stops working. */
export function oauthInitBody(started: { authorizationUrl: string; expiresAt: number }): OAuthInitResult {
  return { authorizationUrl: started.authorizationUrl, expiresAt: isoTime(started.expiresAt) };
}

/** `GET /instagram/data-deletion/{code}`. */
export function dataDeletionStatusBody(record: DataDeletionRecord): DataDeletionStatusBody {
  return {
    confirmationCode: record.code,
    status: record.status,
    requestedAt: isoTime(record.requestedAt),
    ...(record.completedAt === undefined ? {} : { completedAt: isoTime(record.completedAt) }),
    ...(record.erased === undefined ? {} : { erased: { ...record.erased } }),
  };
}

/** What Meta's deauthorize and data deletion callbacks expect back. */
export function signedRequestResult(outcome: SignedRequestOutcome): HttpResult {
  if (outcome.kind === "deauthorized") return json(200, { success: true });
  const body: DataDeletionResponseBody = {
    url: outcome.statusUrl,
    confirmation_code: outcome.confirmationCode,
  };
  return json(200, body);
}

/**
 * `GET /instagram/oauth/callback`: redirects only to a stored, allow-listed returnTo; an unknown, reused or
 * expired state gets a page, never a redirect.
 */
export function oauthCallbackResult(outcome: CallbackOutcome): HttpResult {
  switch (outcome.kind) {
    case "state_rejected":
      return html(
        400,
        outcome.reason === "state_expired"
          ? "This sign-in link has expired"
          : "This sign-in link is not valid",
        "Go back to the app and click Connect Instagram again.",
      );
    case "failed":
    case "ticket_issued":
      return redirect(outcome.location);
  }
}

/** `POST /instagram/oauth/complete`: the connected integration, or a problem+json refusal. */
export function oauthCompleteResult(outcome: CompleteOutcome): HttpResult {
  switch (outcome.kind) {
    case "connected":
      return json(
        200,
        integrationBody({
          ...summarise(outcome.integration),
          otherOrganisations: outcome.otherOrganisations,
        }),
      );
    case "refused":
      throw outcome.reason === "ticket_expired"
        ? new AppError("oauth.ticket_expired", "Click Connect Instagram again.")
        : new AppError(
            "oauth.ticket_invalid",
            "The ticket is unknown, was already used, or was issued to another user or organisation.",
          );
    case "subscribe_failed":
      throw new AppError(
        "oauth.subscribe_failed",
        "Instagram did not accept the webhook subscription; connect again.",
      );
  }
}
