import { documentClient } from "../adapters/dynamo/client";
import { dynamoIntegrationStore } from "../adapters/dynamo/integrations";
import { Env } from "../contract/env";
import { integrationOf } from "../domain/connect/lifecycle";
import { integrationBody } from "../http/connect-results";
import { json } from "../http/responses";
import { appRoute } from "../http/route";
import { requiredEnv } from "../platform/runtime-config";

const integrations = dynamoIntegrationStore(documentClient(), requiredEnv(Env.tableName));

/** `GET /instagram/integration`: the caller's integration, or `{ status: "none" }`; never a token. */
export const handler = appRoute("integration-get", async (_event, { tenant }) =>
  json(200, integrationBody(await integrationOf(integrations, tenant))),
);
