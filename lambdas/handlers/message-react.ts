import { documentClient } from "../adapters/dynamo/client";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { MessageReactionBody, MessageReactionPath } from "../contract/api/messages";
import { Env } from "../contract/env";
import { reactToMessage } from "../domain/inbox/reactions";
import { tokenKeysFrom } from "../domain/token-seal";
import { messageView } from "../http/inbox-bodies";
import { jsonBody, pathParams } from "../http/request";
import { json } from "../http/responses";
import { appRouteWithSecrets } from "../http/route";
import { registerSecretValue } from "../platform/redaction";
import { metaHostsFromEnv, requiredEnv } from "../platform/runtime-config";
import { reactionWiring } from "../wiring/inbox";

const config = { tableName: requiredEnv(Env.tableName), metaHosts: metaHostsFromEnv() };
const db = documentClient();
const loadSecrets = secretsLoaderFromEnv();

/** POST /instagram/messages/{messageId}/reaction: `love` on a customer message (Meta's `react`). */
export const handler = appRouteWithSecrets("message-react", loadSecrets, async (event, context) => {
  const { messageId } = pathParams(event, MessageReactionPath);
  const { reaction } = jsonBody(event, MessageReactionBody);
  const deps = reactionWiring(config, { db }, tokenKeysFrom(context.secrets), registerSecretValue);
  return json(200, messageView(await reactToMessage(deps, context.tenant, messageId, reaction)));
});
