import { secretsLoader } from "../composition/connect";
import { httpRouteWithSecrets } from "../http/route";
import { handleSignedRequestCallback } from "../http/signed-request-callback";
import { signedRequestForm } from "../http/signed-request-form";

const loadSecrets = secretsLoader();

/** `POST /instagram/data-deletion`: Meta's Data Deletion Request callback; answers `{ url, confirmation_code }`. */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) =>
  handleSignedRequestCallback("data_deletion", signedRequestForm(event), context.secrets),
);
