import { documentClient } from "../adapters/dynamo/client";
import { ConversationReadBody, ConversationReadPath } from "../contract/api/conversations";
import { Env } from "../contract/env";
import { markConversationRead } from "../domain/inbox/read";
import { conversationView } from "../http/inbox-bodies";
import { jsonBody, pathParams, rawBody } from "../http/request";
import { json } from "../http/responses";
import { appRoute } from "../http/route";
import { requiredEnv } from "../platform/runtime-config";
import { inboxWiring } from "../wiring/inbox";

const deps = inboxWiring({ tableName: requiredEnv(Env.tableName) }, { db: documentClient() });

/** POST /instagram/conversations/{conversationId}/read: unread count to 0 up to the latest (or a given) message. */
export const handler = appRoute("conversation-read", async (event, { tenant }) => {
  const { conversationId } = pathParams(event, ConversationReadPath);
  // An empty body means "up to the latest customer message"; any body must be valid JSON.
  const body = rawBody(event).length === 0 ? {} : jsonBody(event, ConversationReadBody);
  const conversation = await markConversationRead(deps, tenant, conversationId, body.upToMessageId);
  return json(200, conversationView(conversation, deps.now()));
});
