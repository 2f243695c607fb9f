import { documentClient } from "../adapters/dynamo/client";
import { tokenKeyLoaderFromEnv } from "../adapters/secrets";
import { ConversationReadBody, ConversationReadPath } from "../contract/api/conversations";
import { Env } from "../contract/env";
import { markConversationRead } from "../domain/inbox/read";
import { markSeenAtMeta } from "../domain/inbox/sender-actions";
import { tokenKeysFrom } from "../domain/token-seal";
import { conversationView } from "../http/inbox-bodies";
import { jsonBody, pathParams, rawBody } from "../http/request";
import { json } from "../http/responses";
import { appRouteWithSecrets } from "../http/route";
import { logger } from "../platform/logger";
import { registerSecretValue } from "../platform/redaction";
import { metaHostsFromEnv, requiredEnv } from "../platform/runtime-config";
import { inboxWiring, senderActionWiring } from "../wiring/inbox";

const config = { tableName: requiredEnv(Env.tableName), metaHosts: metaHostsFromEnv() };
const deps = inboxWiring(config, { db: documentClient() });
const loadSecrets = tokenKeyLoaderFromEnv();

/**
 * POST /instagram/conversations/{conversationId}/read: unread count to 0 up to the latest (or a given)
 * message; then, best effort, Meta's `mark_seen` (never counted against the cap, never failing the call).
 */
export const handler = appRouteWithSecrets("conversation-read", loadSecrets, async (event, context) => {
  const { tenant } = context;
  const { conversationId } = pathParams(event, ConversationReadPath);
  // An empty body means "up to the latest customer message"; any body must be valid JSON.
  const body = rawBody(event).length === 0 ? {} : jsonBody(event, ConversationReadBody);
  const conversation = await markConversationRead(deps, tenant, conversationId, body.upToMessageId);
  const actions = senderActionWiring(
    config,
    { db: documentClient() },
    tokenKeysFrom(context.secrets),
    registerSecretValue,
  );
  const seen = await markSeenAtMeta(actions, tenant, conversation);
  logger.info("conversation read", { unreadCount: conversation.unreadCount, markSeen: seen });
  return json(200, conversationView(conversation, deps.now()));
});
