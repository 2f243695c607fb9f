import { type AttributeValue, ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from "@aws-sdk/lib-dynamodb";
import { type DynamoAccess, noteCapacity } from "./capacity";
import { type UpdateBuilder, updateInput } from "./update-expression";

/** An item as DynamoDB returns it on a failed condition (not unmarshalled). */
export type RawItem = Record<string, AttributeValue>;

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

/** A metered conditional update of one item: true if it applied, false if its condition refused it. */
export async function updateIf(
  access: DynamoAccess,
  key: Record<string, string>,
  builder: UpdateBuilder,
  condition: string | undefined,
): Promise<boolean> {
  try {
    const result = await access.db.send(
      new UpdateCommand({
        TableName: access.tableName,
        ...updateInput(key, builder, condition),
        ReturnConsumedCapacity: "TOTAL",
      }),
    );
    noteCapacity(access.meter, result.ConsumedCapacity, "write");
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
