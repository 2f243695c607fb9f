import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BatchGetItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../dev/services/dynamodb-local";
import { MainTable } from "../../lambdas/contract/table";
import { type Item, itemBytes, priceFailedConditionalWrite, priceItemWrite } from "./write-pricing";

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
   * When on (one POST at a time, for the cost passes), every write request is priced item by item from the
   * items as stored before and after it (see `priceWrite` and support/write-pricing.ts); off during throughput
   * runs, which the extra reads would slow down. (The name predates single writes being priced too.)
   */
  priceTransactions = false;
  private client: DynamoDBClient | undefined;

  constructor(private target: string) {}

  /** The meter's own client (straight to DynamoDB Local, not through the proxy), for the pricing reads. */
  private pricingClient(): DynamoDBClient {
    this.client ??= new DynamoDBClient({
      endpoint: this.target,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    return this.client;
  }

  /** Re-points the proxy (e.g. at a restarted DynamoDB Local). */
  retarget(target: string): void {
    this.target = target;
    this.client?.destroy();
    this.client = undefined;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        void (async () => {
          const startedAt = performance.now();
          const operation =
            String(req.headers["x-amz-target"] ?? "unknown")
              .split(".")
              .pop() ?? "unknown";
          const original = Buffer.concat(chunks);
          const writeItems = itemsWritten(operation, original);
          const body = withCapacity(operation, original);
          // Pricing mode: the items as they are before the write, to price it from before and after.
          const keys = this.priceTransactions ? writtenKeys(operation, original) : [];
          const before =
            keys.length > 0 ? await snapshot(this.pricingClient(), keys).catch(() => undefined) : undefined;
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
                  const status = response.statusCode ?? 0;
                  const ok = status < 300;
                  const after =
                    before !== undefined
                      ? await snapshot(this.pricingClient(), keys).catch(() => undefined)
                      : undefined;
                  const priced =
                    before !== undefined && after !== undefined
                      ? priceWrite(operation, keys, before, after, status, payload)
                      : undefined;
                  this.calls.push({
                    operation,
                    startedAt,
                    endedAt,
                    status,
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
        })();
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
    this.client?.destroy();
    this.client = undefined;
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

/** The item keys a write request writes (or checks), per table, with whether it is transactional. */
export function writtenKeys(
  operation: string,
  body: Buffer,
): { table: string; key: Item; transactional: boolean; check: boolean }[] {
  if (!WRITE_OPERATIONS.has(operation)) return [];
  try {
    const input = JSON.parse(body.toString("utf8")) as {
      TableName?: string;
      Item?: Item;
      Key?: Item;
      TransactItems?: {
        Put?: { TableName: string; Item: Item };
        Update?: { TableName: string; Key: Item };
        Delete?: { TableName: string; Key: Item };
        ConditionCheck?: { TableName: string; Key: Item };
      }[];
      RequestItems?: Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>;
    };
    if (operation === "TransactWriteItems") {
      return (input.TransactItems ?? []).flatMap((action) => {
        if (action.Put)
          return [
            { table: action.Put.TableName, key: keyOf(action.Put.Item), transactional: true, check: false },
          ];
        const keyed = action.Update ?? action.Delete ?? action.ConditionCheck;
        return keyed
          ? [{ table: keyed.TableName, key: keyed.Key, transactional: true, check: !!action.ConditionCheck }]
          : [];
      });
    }
    if (operation === "BatchWriteItem") {
      return Object.entries(input.RequestItems ?? {}).flatMap(([table, requests]) =>
        requests.flatMap((request) => {
          const key = request.PutRequest ? keyOf(request.PutRequest.Item) : request.DeleteRequest?.Key;
          return key ? [{ table, key, transactional: false, check: false }] : [];
        }),
      );
    }
    const key = operation === "PutItem" && input.Item ? keyOf(input.Item) : input.Key;
    return input.TableName && key
      ? [{ table: input.TableName, key, transactional: false, check: false }]
      : [];
  } catch {
    return [];
  }
}

const WRITE_OPERATIONS = new Set([
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "TransactWriteItems",
  "BatchWriteItem",
]);

/** The items as stored under `keys` right now (strongly consistent), by table and key. */
async function snapshot(
  client: DynamoDBClient,
  keys: readonly { table: string; key: Item }[],
): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  const byTable = new Map<string, Item[]>();
  for (const { table, key } of keys) byTable.set(table, [...(byTable.get(table) ?? []), key]);
  for (const [table, tableKeys] of byTable) {
    for (let i = 0; i < tableKeys.length; i += 100) {
      let pending: Item[] = tableKeys.slice(i, i + 100);
      // Keys left unprocessed are asked again: a missing "before" image would price an update as a new item.
      while (pending.length > 0) {
        const result = await client.send(
          new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[table] ?? []) found.set(storedKey(table, keyOf(item)), item);
        pending = (result.UnprocessedKeys?.[table]?.Keys ?? []) as Item[];
      }
    }
  }
  return found;
}

function storedKey(table: string, key: Item): string {
  return `${table}|${JSON.stringify(key[MainTable.partitionKey])}|${JSON.stringify(key[MainTable.sortKey])}`;
}

/**
 * The write units DynamoDB would charge for a write request, priced item by item from the items before and
 * after it (support/write-pricing.ts has the rules and their sources). A condition that failed on a single-item
 * write is charged on the item that is there; a cancelled transaction is not priced (AWS documents no figure
 * and answers it without ConsumedCapacity).
 */
function priceWrite(
  operation: string,
  keys: ReturnType<typeof writtenKeys>,
  before: Map<string, Item>,
  after: Map<string, Item>,
  status: number,
  payload: Buffer,
): number {
  if (status >= 300) {
    const conditionFailed =
      operation !== "TransactWriteItems" && payload.toString("utf8").includes("ConditionalCheckFailed");
    const first = keys[0];
    return conditionFailed && first
      ? priceFailedConditionalWrite(before.get(storedKey(first.table, first.key)))
      : 0;
  }
  let units = 0;
  for (const { table, key, transactional, check } of keys) {
    const old = before.get(storedKey(table, key));
    // A ConditionCheck writes nothing but is charged as a transactional write of the item it read.
    const next = check ? old : after.get(storedKey(table, key));
    if (check) units += 2 * Math.max(1, Math.ceil((old ? itemBytes(old) : 0) / 1024));
    else units += priceItemWrite(old, next, transactional).total;
  }
  return units;
}

function keyOf(item: Item): Item {
  const key: Item = {};
  for (const name of [MainTable.partitionKey, MainTable.sortKey]) {
    const value = item[name];
    if (value) key[name] = value;
  }
  return key;
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
