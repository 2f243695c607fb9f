import { documentClient } from "../adapters/dynamo/client";
import { claimNamesFromEnv, requiredEnv } from "../adapters/runtime-config";
import { ConversationMessagesPath, ConversationMessagesQuery } from "../contract/api/conversations";
import { Env } from "../contract/env";
import { listMessages } from "../domain/inbox/inbox";
import { httpRoute } from "../middleware/http-route";
import { pathParams, queryParams, tenantOf } from "../middleware/request";
import { json } from "../middleware/responses";
import { inboxWiring } from "../wiring/inbox";

const claims = claimNamesFromEnv();
const deps = inboxWiring({ tableName: requiredEnv(Env.tableName) }, { db: documentClient() });

/** GET /instagram/conversations/{conversationId}/messages: one of the caller's conversations, newest first. */
export const handler = httpRoute(async (event) => {
  const tenant = tenantOf(event, claims);
  const { conversationId } = pathParams(event, ConversationMessagesPath);
  const query = queryParams(event, ConversationMessagesQuery);
  return json(200, await listMessages(deps, tenant, conversationId, query));
});
