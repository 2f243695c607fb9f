import { handleSignedRequestCallback, secretsLoader } from "../composition/connect";
import { signedRequestForm } from "../composition/signed-request-form";
import { httpRouteWithSecrets } from "../middleware/http-route";

const loadSecrets = secretsLoader();

/** `POST /instagram/data-deletion`: Meta's Data Deletion Request callback; answers `{ url, confirmation_code }`. */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) =>
  handleSignedRequestCallback("data_deletion", signedRequestForm(event), context.secrets),
);
