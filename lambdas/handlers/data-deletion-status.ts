import { documentClient } from "../adapters/dynamo/client";
import { dynamoDataDeletionStore } from "../adapters/dynamo/data-deletion";
import { DataDeletionStatusPath } from "../contract/api/data-deletion";
import { Env } from "../contract/env";
import { AppError } from "../domain/errors";
import { dataDeletionStatusBody } from "../http/connect-results";
import { pathParams } from "../http/request";
import { json } from "../http/responses";
import { httpRoute } from "../http/route";
import { requiredEnv } from "../platform/runtime-config";

const dataDeletions = dynamoDataDeletionStore(documentClient(), requiredEnv(Env.tableName));

/** `GET /instagram/data-deletion/{code}`: the status of a data deletion request, by its confirmation code. */
export const handler = httpRoute(async (event) => {
  const { code } = pathParams(event, DataDeletionStatusPath);
  const record = await dataDeletions.get(code);
  if (record === undefined)
    throw new AppError("resource.not_found", "No data deletion request has this code.");
  return json(200, dataDeletionStatusBody(record));
});
