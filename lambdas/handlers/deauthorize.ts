import { handleSignedRequestCallback, secretsLoader } from "../composition/connect";
import { signedRequestForm } from "../composition/signed-request-form";
import { httpRouteWithSecrets } from "../middleware/http-route";

const loadSecrets = secretsLoader();

/** `POST /instagram/deauthorize`: Meta's Deauthorize callback (signed_request verified before acting). */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) =>
  handleSignedRequestCallback("deauthorize", signedRequestForm(event), context.secrets),
);
