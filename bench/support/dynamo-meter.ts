import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type AttributeValue, BatchGetItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../dev/services/dynamodb-local";
import { MainTable } from "../../lambdas/contract/table";

/** One DynamoDB request as seen on the wire, with the capacity DynamoDB reported for it. */
export interface MeteredCall {
  readonly operation: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly status: number;
  /**
   * Write units: as DynamoDB Local reports them, except transactions when priced (see `priceTransaction`).
   */
  readonly writeUnits: number;
  /** Write units exactly as DynamoDB Local reported them. */
  readonly reportedWriteUnits: number;
  readonly readUnits: number;
  /** Items the request writes (puts, updates, deletes; transaction condition checks excluded). */
  readonly writeItems: number;
}

/** Operations that accept `ReturnConsumedCapacity`. */
const CAPACITY_OPERATIONS = new Set([
  "GetItem",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "Query",
  "Scan",
  "BatchGetItem",
  "BatchWriteItem",
  "TransactGetItems",
  "TransactWriteItems",
]);

/**
 * A metering HTTP proxy in front of DynamoDB Local. Point AWS_ENDPOINT_URL_DYNAMODB at `endpoint` and every
 * request of every client in the process (including those a handler builds at module scope) passes through
 * it: the operation comes from `X-Amz-Target`, `ReturnConsumedCapacity: "TOTAL"` is added where the request
 * did not ask for it, and the units come from the response's `ConsumedCapacity`. DynamoDB Local does not check
 * request signatures, so rewriting the body is harmless; the response is passed through byte for byte.
 */
export class DynamoMeter {
  readonly calls: MeteredCall[] = [];
  private server: Server | undefined;
  endpoint = "";
  /**
   * When on (one request at a time, for the cost passes), each written transaction is priced item by item
   * from the items as stored (see `priceTransaction`); off during throughput runs, which it would slow down.
   */
  priceTransactions = false;

  constructor(private target: string) {}

  /** Re-points the proxy (e.g. at a restarted DynamoDB Local). */
  retarget(target: string): void {
    this.target = target;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const startedAt = performance.now();
        const operation =
          String(req.headers["x-amz-target"] ?? "unknown")
            .split(".")
            .pop() ?? "unknown";
        const original = Buffer.concat(chunks);
        const writeItems = itemsWritten(operation, original);
        const body = withCapacity(operation, original);
        const headers = { ...req.headers, "content-length": String(body.length) };
        const upstream = new URL(this.target);
        const forward = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers,
          },
          (response: IncomingMessage) => {
            const parts: Buffer[] = [];
            response.on("data", (chunk: Buffer) => parts.push(chunk));
            response.on("end", () => {
              void (async () => {
                const payload = Buffer.concat(parts);
                const endedAt = performance.now();
                const units = consumed(operation, payload);
                const ok = (response.statusCode ?? 0) < 300;
                const priced =
                  ok && operation === "TransactWriteItems" && this.priceTransactions
                    ? await priceTransaction(this.target, original).catch(() => undefined)
                    : undefined;
                this.calls.push({
                  operation,
                  startedAt,
                  endedAt,
                  status: response.statusCode ?? 0,
                  readUnits: units.readUnits,
                  reportedWriteUnits: units.writeUnits,
                  writeUnits: priced ?? units.writeUnits,
                  writeItems: ok ? writeItems : 0,
                });
                res.writeHead(response.statusCode ?? 502, response.headers);
                res.end(payload);
              })();
            });
          },
        );
        forward.on("error", () => {
          // The storage is down: let the client see a dropped connection, as it would with no proxy.
          this.calls.push({
            operation,
            startedAt,
            endedAt: performance.now(),
            status: 0,
            writeUnits: 0,
            reportedWriteUnits: 0,
            readUnits: 0,
            writeItems: 0,
          });
          res.destroy();
        });
        forward.end(body);
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  /** Forgets the recorded calls (between measured phases). */
  reset(): void {
    this.calls.length = 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** How many items a write request writes, from the request itself. */
function itemsWritten(operation: string, body: Buffer): number {
  if (operation === "PutItem" || operation === "UpdateItem" || operation === "DeleteItem") return 1;
  if (operation !== "TransactWriteItems" && operation !== "BatchWriteItem") return 0;
  try {
    const input = JSON.parse(body.toString("utf8")) as {
      TransactItems?: Record<string, unknown>[];
      RequestItems?: Record<string, unknown[]>;
    };
    if (operation === "TransactWriteItems") {
      return (input.TransactItems ?? []).filter((item) => !("ConditionCheck" in item)).length;
    }
    return Object.values(input.RequestItems ?? {}).reduce((sum, list) => sum + list.length, 0);
  } catch {
    return 0;
  }
}

/**
 * DynamoDB Local prices a TransactWriteItems call wrongly: it adds up the costs of the items but counts equal
 * costs once (measured: 20 one-KB puts report one item's units; a 3 KB and a 1 KB item report 8, two 3 KB items
 * 6). So a written transaction is priced here from the items as stored after it: per item, 2 × ⌈size / 1 KB⌉
 * for the table and the same again for every index the item appears in (all indexes project ALL). Updates
 * are priced at their new size (DynamoDB charges the larger of old and new), deletes at 1 KB.
 */
async function priceTransaction(target: string, request: Buffer): Promise<number> {
  const input = JSON.parse(request.toString("utf8")) as {
    TransactItems?: {
      Put?: { TableName: string; Item: Record<string, AttributeValue> };
      Update?: { TableName: string; Key: Record<string, AttributeValue> };
      Delete?: { TableName: string; Key: Record<string, AttributeValue> };
    }[];
  };
  const keys: { table: string; key: Record<string, AttributeValue> }[] = [];
  let units = 0;
  for (const item of input.TransactItems ?? []) {
    if (item.Delete) units += 2;
    const written = item.Put
      ? { table: item.Put.TableName, key: keyOf(item.Put.Item) }
      : item.Update
        ? { table: item.Update.TableName, key: item.Update.Key }
        : undefined;
    if (written) keys.push(written);
  }
  if (keys.length === 0) return units;
  const client = new DynamoDBClient({
    endpoint: target,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const byTable = new Map<string, Record<string, AttributeValue>[]>();
    for (const { table, key } of keys) byTable.set(table, [...(byTable.get(table) ?? []), key]);
    for (const [table, tableKeys] of byTable) {
      for (let i = 0; i < tableKeys.length; i += 100) {
        const result = await client.send(
          new BatchGetItemCommand({
            RequestItems: { [table]: { Keys: tableKeys.slice(i, i + 100), ConsistentRead: true } },
          }),
        );
        for (const stored of result.Responses?.[table] ?? []) {
          const kb = Math.max(1, Math.ceil(itemBytes(stored) / 1024));
          const indexes = MainTable.indexes.filter(
            (index) => index.partitionKey in stored && index.sortKey in stored,
          );
          units += 2 * kb * (1 + indexes.length);
        }
      }
    }
    return units;
  } finally {
    client.destroy();
  }
}

function keyOf(item: Record<string, AttributeValue>): Record<string, AttributeValue> {
  const key: Record<string, AttributeValue> = {};
  for (const name of [MainTable.partitionKey, MainTable.sortKey]) {
    const value = item[name];
    if (value) key[name] = value;
  }
  return key;
}

/** An item's size as DynamoDB counts it: attribute names plus values (numbers approximated). */
function itemBytes(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value),
    0,
  );
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|e.*$/gi, "").length / 2) + 1;
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, v) => sum + Buffer.byteLength(v), 0);
  if (value.NS) return value.NS.reduce((sum, v) => sum + Math.ceil(v.length / 2) + 1, 0);
  if (value.M)
    return (
      3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + valueBytes(v) + 1, 0)
    );
  if (value.L) return 3 + value.L.reduce((sum, v) => sum + valueBytes(v) + 1, 0);
  return 0;
}

function withCapacity(operation: string, body: Buffer): Buffer {
  if (!CAPACITY_OPERATIONS.has(operation)) return body;
  try {
    const input = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    if (input.ReturnConsumedCapacity !== undefined && input.ReturnConsumedCapacity !== "NONE") return body;
    input.ReturnConsumedCapacity = "TOTAL";
    return Buffer.from(JSON.stringify(input));
  } catch {
    return body;
  }
}

interface Capacity {
  CapacityUnits?: number;
  WriteCapacityUnits?: number;
  ReadCapacityUnits?: number;
}

const READ_OPERATIONS = new Set(["GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"]);

function consumed(operation: string, payload: Buffer): { writeUnits: number; readUnits: number } {
  try {
    const output = JSON.parse(payload.toString("utf8")) as { ConsumedCapacity?: Capacity | Capacity[] };
    const list = output.ConsumedCapacity === undefined ? [] : [output.ConsumedCapacity].flat();
    let writeUnits = 0;
    let readUnits = 0;
    for (const capacity of list) {
      writeUnits += capacity.WriteCapacityUnits ?? 0;
      readUnits += capacity.ReadCapacityUnits ?? 0;
      // With "TOTAL" only the total is reported; attribute it by the operation's kind.
      if (capacity.WriteCapacityUnits === undefined && capacity.ReadCapacityUnits === undefined) {
        const total = capacity.CapacityUnits ?? 0;
        if (READ_OPERATIONS.has(operation)) readUnits += total;
        else writeUnits += total;
      }
    }
    return { writeUnits, readUnits };
  } catch {
    return { writeUnits: 0, readUnits: 0 };
  }
}

/** Summary of a set of calls: requests per operation, write/read units, and the longest sequential chain. */
export interface CallSummary {
  readonly requests: number;
  readonly byOperation: Record<string, number>;
  readonly writeUnits: number;
  readonly reportedWriteUnits: number;
  readonly writeItems: number;
  readonly readUnits: number;
  /** Round trips on the critical path: the longest chain of calls each starting after the previous ended. */
  readonly sequentialRoundTrips: number;
}

export function summarise(calls: readonly MeteredCall[]): CallSummary {
  const byOperation: Record<string, number> = {};
  let writeUnits = 0;
  let reportedWriteUnits = 0;
  let writeItems = 0;
  let readUnits = 0;
  for (const call of calls) {
    byOperation[call.operation] = (byOperation[call.operation] ?? 0) + 1;
    writeUnits += call.writeUnits;
    reportedWriteUnits += call.reportedWriteUnits;
    writeItems += call.writeItems;
    readUnits += call.readUnits;
  }
  const sorted = [...calls].sort((a, b) => a.startedAt - b.startedAt);
  const chain: number[] = [];
  let longest = 0;
  sorted.forEach((call, i) => {
    let best = 0;
    for (let j = 0; j < i; j++) {
      const before = sorted[j];
      if (before && before.endedAt <= call.startedAt) best = Math.max(best, chain[j] ?? 0);
    }
    chain[i] = best + 1;
    longest = Math.max(longest, best + 1);
  });
  return {
    requests: calls.length,
    byOperation,
    writeUnits,
    reportedWriteUnits,
    writeItems,
    readUnits,
    sequentialRoundTrips: longest,
  };
}
