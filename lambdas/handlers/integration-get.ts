import { integrations } from "../composition/connect";
import { integrationOf } from "../domain/connect/lifecycle";
import { integrationBody } from "../http/connect-results";
import { json } from "../http/responses";
import { appRoute } from "../http/route";

/** `GET /instagram/integration`: the caller's integration, or `{ status: "none" }`; never a token. */
export const handler = appRoute("integration-get", async (_event, { tenant }) =>
  json(200, integrationBody(await integrationOf(integrations, tenant))),
);
