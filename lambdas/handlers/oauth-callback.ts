import { secretsLoaderFromEnv } from "../adapters/secrets";
import { connectFromEnv } from "../config/connect";
import { OAuthCallbackQuery } from "../contract/api/oauth";
import type { AppSecrets } from "../contract/secrets";
import { type CallbackOutcome, handleCallback } from "../domain/connect/callback";
import { oauthCallbackResult } from "../http/connect-results";
import { queryParams } from "../http/request";
import { httpRouteWithSecrets } from "../http/route";
import { logger } from "../platform/logger";

const connect = connectFromEnv();
const callbackUrl = connect.redirectUri();
const loadSecrets = secretsLoaderFromEnv();

/**
 * `GET /instagram/oauth/callback`: Instagram sends the browser here. Connects nothing: redirects to the
 * stored, allow-listed returnTo with a completion ticket only the starting tenant can redeem; an unknown,
 * reused or expired state gets a page, never a redirect.
 */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) => {
  const query = queryParams(event, OAuthCallbackQuery);
  const outcome = await handleCallback(
    { ...query, ...(query.error_reason === undefined ? {} : { errorReason: query.error_reason }) },
    {
      states: connect.oauthStates,
      login: connect.loginClient(context.secrets),
      ...facebookOf(context.secrets),
      tickets: connect.connectTickets,
      keys: connect.tokenKeys(context.secrets),
      redirectUri: callbackUrl,
      allowedOrigins: connect.allowedOrigins,
      now: connect.now,
      onSecret: connect.onSecret,
    },
  );
  logOutcome(outcome);
  return oauthCallbackResult(outcome);
});

/** The Facebook Login client, when the Facebook app is configured. */
function facebookOf(secrets: AppSecrets) {
  const facebook = connect.facebookClient(secrets);
  return facebook === undefined ? {} : { facebook };
}

/** One log line per callback: why a state was rejected, where a connect failed, or who got a ticket. */
function logOutcome(outcome: CallbackOutcome): void {
  if (outcome.kind === "state_rejected") {
    logger.info("oauth callback rejected", { reason: outcome.reason });
  } else if (outcome.kind === "failed") {
    const { step, metaCode, metaSubcode, fbtraceId, message } = outcome.cause;
    const fields = { step, metaCode, metaSubcode, fbtrace_id: fbtraceId, detail: message };
    logger.warn("instagram connect failed", { reason: outcome.reason, ...fields });
  } else {
    const { imoId, userId } = outcome.tenant;
    const { igAccountId, loginFlavour, pages } = outcome;
    logger.info("connect ticket issued", { imoId, userId, igAccountId, loginFlavour, pages });
  }
}
