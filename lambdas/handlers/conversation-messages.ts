import { documentClient } from "../adapters/dynamo/client";
import { ConversationMessagesPath, ConversationMessagesQuery } from "../contract/api/conversations";
import { Env } from "../contract/env";
import { listMessages } from "../domain/inbox/inbox";
import { messagesPageBody } from "../http/inbox-bodies";
import { pathParams, queryParams } from "../http/request";
import { json } from "../http/responses";
import { appRoute } from "../http/route";
import { requiredEnv } from "../platform/runtime-config";
import { inboxWiring } from "../wiring/inbox";

const deps = inboxWiring({ tableName: requiredEnv(Env.tableName) }, { db: documentClient() });

/** GET /instagram/conversations/{conversationId}/messages: one of the caller's conversations, newest first. */
export const handler = appRoute("conversation-messages", async (event, { tenant }) => {
  const { conversationId } = pathParams(event, ConversationMessagesPath);
  const query = queryParams(event, ConversationMessagesQuery);
  return json(200, messagesPageBody(await listMessages(deps, tenant, conversationId, query)));
});
