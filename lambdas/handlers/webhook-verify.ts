import { credentialsLoaderFromEnv } from "../adapters/secrets";
import { answerHandshake } from "../domain/webhook/handshake";
import { text } from "../http/responses";
import { httpRouteWithSecrets } from "../http/route";

/** `GET /instagram/webhook`: Meta's subscription handshake; answers exactly the challenge as text/plain. */
export const handler = httpRouteWithSecrets(credentialsLoaderFromEnv(), async (event, context) =>
  text(200, answerHandshake(event.queryStringParameters ?? {}, context.secrets.verifyToken)),
);
