import { documentClient } from "../adapters/dynamo/client";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { connectConfigFromEnv } from "../config/env";
import { OAuthCallbackQuery } from "../contract/api/oauth";
import { completeConnect } from "../domain/connect/callback";
import { httpRouteWithSecrets } from "../middleware/http-route";
import { logger, registerSecretValue } from "../middleware/logger";
import { queryParams } from "../middleware/request";
import { html, redirect } from "../middleware/responses";
import { connectWiring } from "../wiring/connect";

const connect = connectWiring(connectConfigFromEnv(), {
  db: documentClient(),
  onSecret: registerSecretValue,
});
const callbackUrl = connect.redirectUri();
const loadSecrets = secretsLoaderFromEnv();

/**
 * `GET /instagram/oauth/callback`: Instagram sends the browser here. Redirects only to a stored, allow-listed
 * returnTo; an unknown, reused or expired state gets a page, never a redirect.
 */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) => {
  const query = queryParams(event, OAuthCallbackQuery);
  const outcome = await completeConnect(
    { ...query, ...(query.error_reason === undefined ? {} : { errorReason: query.error_reason }) },
    {
      states: connect.oauthStates,
      login: connect.loginClient(context.secrets),
      integrations: connect.integrations,
      keys: connect.tokenKeys(context.secrets),
      redirectUri: callbackUrl,
      allowedOrigins: connect.allowedOrigins,
      now: connect.now,
      onSecret: connect.onSecret,
    },
  );
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
});
