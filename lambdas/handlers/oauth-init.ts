import { claimNamesFromEnv } from "../adapters/runtime-config";
import {
  allowedOrigins,
  metaHosts,
  now,
  oauthScopes,
  oauthStates,
  redirectUri,
  secretsLoader,
} from "../composition/connect";
import { isoTime } from "../contract/api/common";
import { OAuthInitBody, type OAuthInitResult } from "../contract/api/oauth";
import { startConnect } from "../domain/connect/oauth-start";
import { httpRouteWithSecrets } from "../middleware/http-route";
import { jsonBody, rawBody, tenantOf } from "../middleware/request";
import { json } from "../middleware/responses";

const claimNames = claimNamesFromEnv();
const callbackUrl = redirectUri();

const loadSecrets = secretsLoader();

/** `POST /instagram/oauth/init`: a single-use sign-in link for the caller (tenant from the JWT only). */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) => {
  const tenant = tenantOf(event, claimNames);
  const body = rawBody(event).length === 0 ? {} : jsonBody(event, OAuthInitBody);
  const started = await startConnect(tenant, body.returnTo, {
    states: oauthStates,
    settings: {
      oauthUrl: metaHosts.oauthUrl,
      appId: context.secrets.appId,
      redirectUri: callbackUrl,
      scopes: oauthScopes,
      allowedOrigins,
    },
    now,
  });
  const result: OAuthInitResult = {
    authorizationUrl: started.authorizationUrl,
    expiresAt: isoTime(started.expiresAt),
  };
  return json(200, result);
});
