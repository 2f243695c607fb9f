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

/** `POST /instagram/data-deletion`: Meta's Data Deletion Request callback; answers `{ url, confirmation_code }`. */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) =>
  connect.signedRequestCallback("data_deletion", signedRequestForm(event), context.secrets),
);
