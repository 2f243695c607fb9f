import { credentialsLoaderFromEnv } from "../adapters/secrets";
import { connectFromEnv } from "../config/connect";
import { OAuthInitBody } from "../contract/api/oauth";
import { startConnect } from "../domain/connect/oauth-start";
import { oauthInitBody } from "../http/connect-results";
import { jsonBody } from "../http/request";
import { json } from "../http/responses";
import { appRouteWithSecrets } from "../http/route";

const connect = connectFromEnv();
const callbackUrl = connect.redirectUri();
const loadSecrets = credentialsLoaderFromEnv();

/** `POST /instagram/oauth/init`: a single-use sign-in link for the caller (tenant from the JWT only). */
export const handler = appRouteWithSecrets("oauth-init", loadSecrets, async (event, { tenant, secrets }) => {
  const body = jsonBody(event, OAuthInitBody);
  const started = await startConnect(
    tenant,
    body.returnTo,
    { states: connect.oauthStates, settings: connect.oauthSettings(secrets, callbackUrl), now: connect.now },
    body.loginFlavour ?? "instagram",
  );
  return json(200, oauthInitBody(started));
});
