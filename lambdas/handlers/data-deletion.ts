import { credentialsLoaderFromEnv } from "../adapters/secrets";
import { connectFromEnv } from "../config/connect";
import { signedRequestResult } from "../http/connect-results";
import { httpRouteWithSecrets } from "../http/route";
import { signedRequestForm } from "../http/signed-request-form";

const connect = connectFromEnv();
const loadSecrets = credentialsLoaderFromEnv();

/** `POST /instagram/data-deletion`: Meta's Data Deletion Request callback; answers `{ url, confirmation_code }`. */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) =>
  signedRequestResult(
    await connect.signedRequestCallback("data_deletion", signedRequestForm(event), context.secrets),
  ),
);
