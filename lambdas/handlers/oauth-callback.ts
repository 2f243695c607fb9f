import { secretsLoaderFromEnv } from "../adapters/secrets";
import { connectFromEnv } from "../config/connect";
import { OAuthCallbackQuery } from "../contract/api/oauth";
import { completeConnect } from "../domain/connect/callback";
import { httpRouteWithSecrets } from "../middleware/http-route";
import { queryParams } from "../middleware/request";
import { callbackAnswer } from "../wiring/oauth-callback-answer";

const connect = connectFromEnv();
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
  return callbackAnswer(outcome);
});
