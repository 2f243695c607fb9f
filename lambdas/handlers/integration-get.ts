import { documentClient } from "../adapters/dynamo/client";
import { dynamoHistoryJobStore } from "../adapters/dynamo/history-jobs";
import { dynamoIntegrationStore } from "../adapters/dynamo/integrations";
import { Env } from "../contract/env";
import { integrationOf } from "../domain/connect/lifecycle";
import { integrationBody } from "../http/connect-results";
import { json } from "../http/responses";
import { appRoute } from "../http/route";
import { requiredEnv } from "../platform/runtime-config";

const integrations = dynamoIntegrationStore(documentClient(), requiredEnv(Env.tableName));
const historyJobs = dynamoHistoryJobStore(documentClient(), requiredEnv(Env.tableName));

/** `GET /instagram/integration`: the caller's integration and its history import, or `{ status: "none" }`; never a token. */
export const handler = appRoute("integration-get", async (_event, { tenant }) => {
  const summary = await integrationOf(integrations, tenant);
  const history =
    summary === undefined ? undefined : await historyJobs.get(tenant.imoId, summary.igAccountId);
  return json(200, integrationBody(summary, history));
});
