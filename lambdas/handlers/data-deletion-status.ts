import { documentClient } from "../adapters/dynamo/client";
import { dynamoDataDeletionStore } from "../adapters/dynamo/data-deletion";
import { requiredEnv } from "../adapters/runtime-config";
import { isoTime } from "../contract/api/common";
import { type DataDeletionStatusBody, DataDeletionStatusPath } from "../contract/api/data-deletion";
import { Env } from "../contract/env";
import { AppError } from "../domain/errors";
import { httpRoute } from "../middleware/http-route";
import { pathParams } from "../middleware/request";
import { json } from "../middleware/responses";

const dataDeletions = dynamoDataDeletionStore(documentClient(), requiredEnv(Env.tableName));

/** `GET /instagram/data-deletion/{code}`: the status of a data deletion request, by its confirmation code. */
export const handler = httpRoute(async (event) => {
  const { code } = pathParams(event, DataDeletionStatusPath);
  const record = await dataDeletions.get(code);
  if (record === undefined)
    throw new AppError("resource.not_found", "No data deletion request has this code.");
  const body: DataDeletionStatusBody = {
    confirmationCode: record.code,
    status: record.status,
    requestedAt: isoTime(record.requestedAt),
    ...(record.completedAt === undefined ? {} : { completedAt: isoTime(record.completedAt) }),
  };
  return json(200, body);
});
