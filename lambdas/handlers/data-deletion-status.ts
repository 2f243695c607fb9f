import { dataDeletions } from "../composition/connect";
import { DataDeletionStatusPath } from "../contract/api/data-deletion";
import { AppError } from "../domain/errors";
import { dataDeletionStatusBody } from "../http/connect-results";
import { pathParams } from "../http/request";
import { json } from "../http/responses";
import { httpRoute } from "../http/route";

/** `GET /instagram/data-deletion/{code}`: the status of a data deletion request, by its confirmation code. */
export const handler = httpRoute(async (event) => {
  const { code } = pathParams(event, DataDeletionStatusPath);
  const record = await dataDeletions.get(code);
  if (record === undefined)
    throw new AppError("resource.not_found", "No data deletion request has this code.");
  return json(200, dataDeletionStatusBody(record));
});
