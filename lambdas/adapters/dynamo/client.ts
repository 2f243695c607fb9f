import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { traced } from "../../platform/tracer";

/**
 * A document client over the given low-level client. Undefined values are dropped so optional
 * fields can be passed as-is. Endpoints come from the standard AWS_ENDPOINT_URL_DYNAMODB in local mode.
 */
export function documentClient(
  client: DynamoDBClient = traced(new DynamoDBClient({})),
): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}
