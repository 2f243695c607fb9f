import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/**
 * The single DynamoDB table: generic key names, three overloaded GSIs and a TTL attribute.
 * Entity key shapes and access patterns are in docs/data-model.md and lambdas/adapters/dynamo/keys.ts.
 */
export const MainTable = {
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expiresAt",
  indexes: [
    { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
    { name: "gsi2", partitionKey: "gsi2pk", sortKey: "gsi2sk" },
    { name: "gsi3", partitionKey: "gsi3pk", sortKey: "gsi3sk" },
  ],
} as const;

/**
 * The sparse window-closing index (docs/events.md): only conversations waiting for an answer carry its keys,
 * and it projects the table keys only, so an index write costs as little as an index write can.
 */
export const WindowIndex = { name: "windows", partitionKey: "wcpk", sortKey: "wcsk" } as const;

export type IndexName = (typeof MainTable.indexes)[number]["name"] | typeof WindowIndex.name;

/** CreateTable input for local mode and tests, derived from the same declaration the stack uses. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const keyAttributes = [
    MainTable.partitionKey,
    MainTable.sortKey,
    ...MainTable.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
    WindowIndex.partitionKey,
    WindowIndex.sortKey,
  ];
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    // Events out (docs/events.md) are derived from this stream, in AWS and in local mode alike.
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
    AttributeDefinitions: keyAttributes.map((name) => ({ AttributeName: name, AttributeType: "S" })),
    KeySchema: [
      { AttributeName: MainTable.partitionKey, KeyType: "HASH" },
      { AttributeName: MainTable.sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      ...MainTable.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: "HASH" as const },
          { AttributeName: index.sortKey, KeyType: "RANGE" as const },
        ],
        Projection: { ProjectionType: "ALL" as const },
      })),
      {
        IndexName: WindowIndex.name,
        KeySchema: [
          { AttributeName: WindowIndex.partitionKey, KeyType: "HASH" },
          { AttributeName: WindowIndex.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "KEYS_ONLY" },
      },
    ],
  };
}
