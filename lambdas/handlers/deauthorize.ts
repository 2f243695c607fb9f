import { documentClient } from "../adapters/dynamo/client";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { connectConfigFromEnv } from "../config/env";
import { httpRouteWithSecrets } from "../middleware/http-route";
import { registerSecretValue } from "../middleware/logger";
import { connectWiring } from "../wiring/connect";
import { signedRequestForm } from "../wiring/signed-request-form";

const connect = connectWiring(connectConfigFromEnv(), {
  db: documentClient(),
  onSecret: registerSecretValue,
});
const loadSecrets = secretsLoaderFromEnv();

/** `POST /instagram/deauthorize`: Meta's Deauthorize callback (signed_request verified before acting). */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) =>
  connect.signedRequestCallback("deauthorize", signedRequestForm(event), context.secrets),
);
