import { documentClient } from "../adapters/dynamo/client";
import { dynamoIntegrationStore } from "../adapters/dynamo/integrations";
import { claimNamesFromEnv, requiredEnv } from "../adapters/runtime-config";
import { isoTime } from "../contract/api/common";
import type { IntegrationResponseBody } from "../contract/api/integration";
import { Env } from "../contract/env";
import { integrationOf } from "../domain/connect/lifecycle";
import { httpRoute } from "../middleware/http-route";
import { tenantOf } from "../middleware/request";
import { json } from "../middleware/responses";

const claimNames = claimNamesFromEnv();
const integrations = dynamoIntegrationStore(documentClient(), requiredEnv(Env.tableName));

/** `GET /instagram/integration`: the caller's integration, or `{ status: "none" }`; never a token. */
export const handler = httpRoute(async (event) => {
  const summary = await integrationOf(integrations, tenantOf(event, claimNames));
  const body: IntegrationResponseBody =
    summary === undefined
      ? { status: "none" }
      : {
          status: summary.status,
          username: summary.username,
          ...(summary.name === undefined ? {} : { name: summary.name }),
          accountType: summary.accountType,
          igAccountId: summary.igAccountId,
          connectedAt: isoTime(summary.connectedAt),
          ...(summary.tokenExpiresAt === undefined
            ? {}
            : { tokenExpiresAt: isoTime(summary.tokenExpiresAt) }),
        };
  return json(200, body);
});
