import { claimNamesFromEnv } from "../adapters/runtime-config";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { connectFromEnv } from "../config/connect";
import { isoTime } from "../contract/api/common";
import { OAuthInitBody, type OAuthInitResult } from "../contract/api/oauth";
import { startConnect } from "../domain/connect/oauth-start";
import { httpRouteWithSecrets } from "../middleware/http-route";
import { jsonBody, rawBody, tenantOf } from "../middleware/request";
import { json } from "../middleware/responses";

const claimNames = claimNamesFromEnv();
const connect = connectFromEnv();
const callbackUrl = connect.redirectUri();
const loadSecrets = secretsLoaderFromEnv();

/** `POST /instagram/oauth/init`: a single-use sign-in link for the caller (tenant from the JWT only). */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) => {
  const tenant = tenantOf(event, claimNames);
  const body = rawBody(event).length === 0 ? {} : jsonBody(event, OAuthInitBody);
  const started = await startConnect(tenant, body.returnTo, {
    states: connect.oauthStates,
    settings: {
      oauthUrl: connect.metaHosts.oauthUrl,
      appId: context.secrets.appId,
      redirectUri: callbackUrl,
      scopes: connect.oauthScopes,
      allowedOrigins: connect.allowedOrigins,
    },
    now: connect.now,
  });
  const result: OAuthInitResult = {
    authorizationUrl: started.authorizationUrl,
    expiresAt: isoTime(started.expiresAt),
  };
  return json(200, result);
});
