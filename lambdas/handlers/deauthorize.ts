import { credentialsLoaderFromEnv } from "../adapters/secrets";
import { connectFromEnv } from "../config/connect";
import { signedRequestResult } from "../http/connect-results";
import { httpRouteWithSecrets } from "../http/route";
import { signedRequestForm } from "../http/signed-request-form";

const connect = connectFromEnv();
const loadSecrets = credentialsLoaderFromEnv();

/** `POST /instagram/deauthorize`: Meta's Deauthorize callback (signed_request verified before acting). */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) =>
  signedRequestResult(
    await connect.signedRequestCallback("deauthorize", signedRequestForm(event), context.secrets),
  ),
);
