import type { CallbackOutcome } from "../domain/connect/callback";
import type { HttpResult } from "../middleware/http-types";
import { logger } from "../middleware/logger";
import { html, redirect } from "../middleware/responses";

/**
 * The browser's answer to an OAuth callback outcome, logged without tokens: a redirect to the stored,
 * allow-listed returnTo, or a page. (An HTTP mapping kept apart from the handler so it stays thin; it belongs
 * with the other route-result mappings.)
 */
export function callbackAnswer(outcome: CallbackOutcome): HttpResult {
  switch (outcome.kind) {
    case "state_rejected":
      logger.info("oauth callback rejected", { reason: outcome.reason });
      return html(
        400,
        outcome.reason === "state_expired"
          ? "This sign-in link has expired"
          : "This sign-in link is not valid",
        "Go back to the app and click Connect Instagram again.",
      );
    case "failed":
      logger.warn("instagram connect failed", {
        reason: outcome.reason,
        step: outcome.cause.step,
        metaCode: outcome.cause.metaCode,
        metaSubcode: outcome.cause.metaSubcode,
        fbtrace_id: outcome.cause.fbtraceId,
        detail: outcome.cause.message,
      });
      return outcome.location === undefined
        ? html(
            400,
            "Instagram was not connected",
            `Reason: ${outcome.reason}. Go back to the app and try again.`,
          )
        : redirect(outcome.location);
    case "connected":
      logger.info("instagram connected", {
        imoId: outcome.integration.imoId,
        userId: outcome.integration.userId,
        igAccountId: outcome.integration.igAccountId,
        connectKind: outcome.connectKind,
      });
      return outcome.location === undefined
        ? html(
            200,
            "Instagram connected",
            `@${outcome.integration.username} is connected. You can close this window.`,
          )
        : redirect(outcome.location);
  }
}
