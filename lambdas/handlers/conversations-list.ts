import { documentClient } from "../adapters/dynamo/client";
import { claimNamesFromEnv, requiredEnv } from "../adapters/runtime-config";
import { ConversationsListQuery } from "../contract/api/conversations";
import { Env } from "../contract/env";
import { listConversations } from "../domain/inbox/inbox";
import { httpRoute } from "../middleware/http-route";
import { queryParams, tenantOf } from "../middleware/request";
import { json } from "../middleware/responses";
import { inboxWiring } from "../wiring/inbox";

const claims = claimNamesFromEnv();
const deps = inboxWiring({ tableName: requiredEnv(Env.tableName) }, { db: documentClient() });

/** GET /instagram/conversations: the caller's conversations, most recent activity first. */
export const handler = httpRoute(async (event) => {
  const tenant = tenantOf(event, claims);
  const query = queryParams(event, ConversationsListQuery);
  return json(200, await listConversations(deps, tenant, query));
});
