import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import type { RawItem } from "./inbound-items";

/** Whether a write was refused by its condition (the state it expected has moved on). */
export function isConditionFailure(error: unknown): error is ConditionalCheckFailedException {
  return error instanceof ConditionalCheckFailedException;
}

/**
 * A conditional update: `"ok"`, or the item as it was when the condition failed (when the request asked for
 * it with ReturnValuesOnConditionCheckFailure). Any other error is thrown.
 */
export async function conditionalUpdate(
  db: DynamoDBDocumentClient,
  tableName: string,
  input: Omit<UpdateCommandInput, "TableName">,
): Promise<"ok" | { old?: RawItem }> {
  try {
    await db.send(new UpdateCommand({ TableName: tableName, ...input }));
    return "ok";
  } catch (error) {
    if (isConditionFailure(error)) return error.Item ? { old: error.Item } : {};
    throw error;
  }
}
