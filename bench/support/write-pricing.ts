import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { MainTable, WindowIndex } from "../../lambdas/contract/table";

/**
 * What DynamoDB charges for one item write, from the item as stored before and after it. DynamoDB Local's own
 * figures are wrong for transactions (docs/performance.md), so the bench prices writes itself with these rules,
 * each from AWS's DynamoDB Developer Guide:
 *
 * - Table (read-write-operations.html, "Capacity unit consumption for write operations"): one write unit per
 *   started KB of the item; a put or update is sized on the larger of the item before and after, a delete on
 *   the deleted item.
 * - Transactions (transaction-apis.html, "Capacity management for transactions"): DynamoDB performs two
 *   underlying writes of every item in the transaction (prepare and commit), so the table write counts twice.
 *   The index writes do not: a transaction's changes propagate to the global secondary indexes after it
 *   completes, like any write's (same page), and measurements against DynamoDB show the index arm of a
 *   transactional write costing what the same write costs outside one (docs/performance.md cites them).
 * - Indexes (GSI.html, "Write capacity units" under provisioned throughput considerations): a write that puts an
 *   item into an index costs one write; one that changes an indexed key attribute costs two (a delete of the old
 *   index entry and a put of the new); one that removes the item from the index, one; one that only changes
 *   projected attributes, one; one that changes nothing the index holds, nothing. Each sized on the index entry
 *   (table keys, index keys and projected attributes) per started KB.
 */

export type Item = Record<string, AttributeValue>;

export interface IndexShape {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** "ALL", "KEYS_ONLY", or the non-key attributes of an INCLUDE projection. */
  readonly projection: "ALL" | "KEYS_ONLY" | readonly string[];
}

/** The table's indexes as lib/constructs/storage.ts creates them. */
export const TABLE_INDEXES: readonly IndexShape[] = [
  ...MainTable.indexes.map((index) => ({ ...index, projection: "ALL" as const })),
  { ...WindowIndex, projection: "KEYS_ONLY" as const },
];

const KB = 1024;

export interface WritePrice {
  readonly table: number;
  readonly indexes: Readonly<Record<string, number>>;
  readonly total: number;
}

/**
 * The write units of one item written from `before` to `after` (undefined = no item). `transactional`: the item
 * is an action of a TransactWriteItems.
 */
export function priceItemWrite(
  before: Item | undefined,
  after: Item | undefined,
  transactional: boolean,
  indexes: readonly IndexShape[] = TABLE_INDEXES,
): WritePrice {
  const size = Math.max(before ? itemBytes(before) : 0, after ? itemBytes(after) : 0);
  const table = units(size) * (transactional ? 2 : 1);
  const byIndex: Record<string, number> = {};
  let total = table;
  for (const index of indexes) {
    const cost = indexWriteUnits(index, before, after);
    if (cost > 0) {
      byIndex[index.name] = cost;
      total += cost;
    }
  }
  return { table, indexes: byIndex, total };
}

/**
 * A conditional single-item write whose condition failed: DynamoDB still charges the write (WorkingWithItems.html,
 * "Capacity units consumed by conditional writes"): one unit if no item exists, else by the item's size — the page
 * takes the larger of the existing item and the one the write would have made; this uses the existing one, a few
 * bytes short for our refused updates. No index changes.
 */
export function priceFailedConditionalWrite(existing: Item | undefined): number {
  return units(existing ? itemBytes(existing) : 0);
}

function units(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / KB));
}

/** The index writes of one item write (GSI.html's rules, see above). */
export function indexWriteUnits(
  index: IndexShape,
  before: Item | undefined,
  after: Item | undefined,
): number {
  const old = before ? indexEntry(index, before) : undefined;
  const next = after ? indexEntry(index, after) : undefined;
  if (old === undefined && next === undefined) return 0;
  if (old === undefined && next !== undefined) return units(itemBytes(next));
  if (old !== undefined && next === undefined) return units(itemBytes(old));
  if (old === undefined || next === undefined) return 0;
  const keyChanged =
    !sameValue(old[index.partitionKey], next[index.partitionKey]) ||
    !sameValue(old[index.sortKey], next[index.sortKey]);
  if (keyChanged) return units(itemBytes(old)) + units(itemBytes(next));
  return sameItem(old, next) ? 0 : units(itemBytes(next));
}

/** The item as the index holds it, or undefined when the item is not in the index (sparse). */
function indexEntry(index: IndexShape, item: Item): Item | undefined {
  if (item[index.partitionKey] === undefined || item[index.sortKey] === undefined) return undefined;
  if (index.projection === "ALL") return item;
  const names = [
    MainTable.partitionKey,
    MainTable.sortKey,
    index.partitionKey,
    index.sortKey,
    ...(index.projection === "KEYS_ONLY" ? [] : index.projection),
  ];
  const entry: Item = {};
  for (const name of names) {
    const value = item[name];
    if (value !== undefined) entry[name] = value;
  }
  return entry;
}

function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameItem(a: Item, b: Item): boolean {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const name of names) if (!sameValue(a[name], b[name])) return false;
  return true;
}

/** An item's size as DynamoDB counts it: attribute names plus values (numbers approximated). */
export function itemBytes(item: Item): number {
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
