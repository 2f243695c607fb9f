import { documentClient } from "../adapters/dynamo/client";
import { tokenKeyLoaderFromEnv } from "../adapters/secrets";
import { ConversationTypingBody, ConversationTypingPath } from "../contract/api/conversations";
import { Env } from "../contract/env";
import { setTyping } from "../domain/inbox/sender-actions";
import { tokenKeysFrom } from "../domain/token-seal";
import { jsonBody, pathParams } from "../http/request";
import { noContent } from "../http/responses";
import { appRouteWithSecrets } from "../http/route";
import { registerSecretValue } from "../platform/redaction";
import { metaHostsFromEnv, requiredEnv } from "../platform/runtime-config";
import { senderActionWiring } from "../wiring/inbox";

const config = { tableName: requiredEnv(Env.tableName), metaHosts: metaHostsFromEnv() };
const db = documentClient();
const loadSecrets = tokenKeyLoaderFromEnv();

/** POST /instagram/conversations/{conversationId}/typing: Meta's typing indicator on or off (204). */
export const handler = appRouteWithSecrets("conversation-typing", loadSecrets, async (event, context) => {
  const { conversationId } = pathParams(event, ConversationTypingPath);
  const { on } = jsonBody(event, ConversationTypingBody);
  const deps = senderActionWiring(config, { db }, tokenKeysFrom(context.secrets), registerSecretValue);
  await setTyping(deps, context.tenant, conversationId, on);
  return noContent();
});
