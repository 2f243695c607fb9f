import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from "@aws-sdk/lib-dynamodb";

type Item = Record<string, unknown>;

/** Every item a query matches, page by page (DynamoDB pages at 1 MB); `onPage` sees each page in order. */
export async function queryPages(
  db: DynamoDBDocumentClient,
  input: QueryCommandInput,
  onPage: (items: Item[]) => Promise<void> | void,
): Promise<void> {
  let startKey: QueryCommandInput["ExclusiveStartKey"];
  do {
    const page = await db.send(
      new QueryCommand({ ...input, ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }) }),
    );
    await onPage(page.Items ?? []);
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}

/** The query of one gsi1 partition (`gsi1pk = :pk`), for `queryPages`. */
export function gsi1Partition(tableName: string, gsi1pk: string): QueryCommandInput {
  return {
    TableName: tableName,
    IndexName: "gsi1",
    KeyConditionExpression: "gsi1pk = :pk",
    ExpressionAttributeValues: { ":pk": gsi1pk },
  };
}
