import { secretsLoaderFromEnv } from "../adapters/secrets";
import { connectFromEnv } from "../config/connect";
import { httpRouteWithSecrets } from "../middleware/http-route";
import { signedRequestForm } from "../wiring/signed-request-form";

const connect = connectFromEnv();
const loadSecrets = secretsLoaderFromEnv();

/** `POST /instagram/deauthorize`: Meta's Deauthorize callback (signed_request verified before acting). */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) =>
  connect.signedRequestCallback("deauthorize", signedRequestForm(event), context.secrets),
);
