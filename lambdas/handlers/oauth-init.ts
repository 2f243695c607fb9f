import {
  allowedOrigins,
  metaHosts,
  now,
  oauthScopes,
  oauthStates,
  redirectUri,
  secretsLoader,
} from "../composition/connect";
import { OAuthInitBody } from "../contract/api/oauth";
import { startConnect } from "../domain/connect/oauth-start";
import { oauthInitBody } from "../http/connect-results";
import { jsonBody, rawBody } from "../http/request";
import { json } from "../http/responses";
import { appRouteWithSecrets } from "../http/route";

const callbackUrl = redirectUri();

const loadSecrets = secretsLoader();

/** `POST /instagram/oauth/init`: a single-use sign-in link for the caller (tenant from the JWT only). */
export const handler = appRouteWithSecrets("oauth-init", loadSecrets, async (event, { tenant, secrets }) => {
  const body = rawBody(event).length === 0 ? {} : jsonBody(event, OAuthInitBody);
  const started = await startConnect(tenant, body.returnTo, {
    states: oauthStates,
    settings: {
      oauthUrl: metaHosts.oauthUrl,
      appId: secrets.appId,
      redirectUri: callbackUrl,
      scopes: oauthScopes,
      allowedOrigins,
    },
    now,
  });
  return json(200, oauthInitBody(started));
});
