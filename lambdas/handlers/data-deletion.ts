import { secretsLoaderFromEnv } from "../adapters/secrets";
import { connectFromEnv } from "../config/connect";
import { httpRouteWithSecrets } from "../middleware/http-route";
import { signedRequestForm } from "../wiring/signed-request-form";

const connect = connectFromEnv();
const loadSecrets = secretsLoaderFromEnv();

/** `POST /instagram/data-deletion`: Meta's Data Deletion Request callback; answers `{ url, confirmation_code }`. */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) =>
  connect.signedRequestCallback("data_deletion", signedRequestForm(event), context.secrets),
);
