import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** Collects consumed capacity units (ReturnConsumedCapacity) so tests and metrics can report cost per message. */
export interface CapacityMeter {
  add(units: { read: number; write: number }): void;
}

/**
 * Adds what one request consumed (a transaction reports one entry per table). `kind` says which units a bare
 * `CapacityUnits` total stands for (DynamoDB Local reports only that total for some requests).
 */
export function noteCapacity(
  meter: CapacityMeter | undefined,
  consumed: ConsumedCapacity | ConsumedCapacity[] | undefined,
  kind: "read" | "write",
): void {
  if (meter === undefined || consumed === undefined) return;
  for (const entry of Array.isArray(consumed) ? consumed : [consumed]) {
    const total = entry.CapacityUnits ?? 0;
    const read = entry.ReadCapacityUnits ?? (kind === "read" ? total : 0);
    const write = entry.WriteCapacityUnits ?? (kind === "write" ? total : 0);
    meter.add({ read, write });
  }
}

/** The client and table an adapter works on, and an optional meter of what its requests consume. */
export interface DynamoAccess {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly meter?: CapacityMeter;
}
