import { type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { documentClient } from "../../lambdas/adapters/dynamo/client";

const db = documentClient();

/** Every item of a table (consistent reads, all pages). */
export async function scanTable(
  tableName: string,
  client: DynamoDBDocumentClient = db,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (start);
  return items;
}

/** Every item of a table, sorted and serialised, so two snapshots compare with `===`. */
export async function tableSnapshot(tableName: string): Promise<string> {
  const items = await scanTable(tableName);
  const keyOf = (item: Record<string, unknown>) => `${String(item.pk)}\u0000${String(item.sk)}`;
  return JSON.stringify(items.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0)));
}

/** Items of a table (for counting what was stored). */
export async function tableItems(tableName: string): Promise<Record<string, unknown>[]> {
  return JSON.parse(await tableSnapshot(tableName)) as Record<string, unknown>[];
}
