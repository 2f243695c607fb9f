import { secretsLoader } from "../composition/connect";
import { httpRouteWithSecrets } from "../http/route";
import { handleSignedRequestCallback } from "../http/signed-request-callback";
import { signedRequestForm } from "../http/signed-request-form";

const loadSecrets = secretsLoader();

/** `POST /instagram/deauthorize`: Meta's Deauthorize callback (signed_request verified before acting). */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) =>
  handleSignedRequestCallback("deauthorize", signedRequestForm(event), context.secrets),
);
