import { documentClient } from "../adapters/dynamo/client";
import { ConversationsListQuery } from "../contract/api/conversations";
import { Env } from "../contract/env";
import { listConversations } from "../domain/inbox/inbox";
import { conversationsPageBody } from "../http/inbox-bodies";
import { queryParams } from "../http/request";
import { json } from "../http/responses";
import { appRoute } from "../http/route";
import { requiredEnv } from "../platform/runtime-config";
import { inboxWiring } from "../wiring/inbox";

const deps = inboxWiring({ tableName: requiredEnv(Env.tableName) }, { db: documentClient() });

/** GET /instagram/conversations: the caller's conversations, most recent activity first. */
export const handler = appRoute("conversations-list", async (event, { tenant }) => {
  const query = queryParams(event, ConversationsListQuery);
  return json(200, conversationsPageBody(await listConversations(deps, tenant, query)));
});
