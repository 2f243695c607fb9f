import { describe, expect, it } from "vitest";
import {
  type IndexShape,
  type Item,
  indexWriteUnits,
  itemBytes,
  priceFailedConditionalWrite,
  priceItemWrite,
} from "../../bench/support/write-pricing";

const gsi: IndexShape = { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk", projection: "ALL" };
const keysOnly: IndexShape = {
  name: "windows",
  partitionKey: "wcpk",
  sortKey: "wcsk",
  projection: "KEYS_ONLY",
};
const s = (value: string) => ({ S: value });
const base: Item = { pk: s("ORG#1"), sk: s("MSG#1"), text: s("hello") };
const indexed = (sortKey: string, extra: Item = {}): Item => ({
  ...base,
  gsi1pk: s("CONV#1"),
  gsi1sk: s(sortKey),
  ...extra,
});
/** An item of about `kb` KB. */
const sized = (kb: number, item: Item): Item => ({
  ...item,
  pad: s("x".repeat(kb * 1024 - itemBytes(item) - 3)),
});

describe("DynamoDB write pricing used by the bench (AWS DynamoDB Developer Guide rules)", () => {
  it("a single write: one unit per started KB of the larger of before and after", () => {
    expect(priceItemWrite(undefined, base, false, []).total).toBe(1);
    expect(priceItemWrite(undefined, sized(2, base), false, []).total).toBe(2);
    // An update that shrinks the item is charged on the larger, older image.
    expect(priceItemWrite(sized(3, base), base, false, []).total).toBe(3);
    // A delete is sized on the deleted item.
    expect(priceItemWrite(sized(2, base), undefined, false, []).total).toBe(2);
  });

  it("a transactional write doubles the table write (prepare + commit), not the index writes", () => {
    expect(priceItemWrite(undefined, base, true, []).total).toBe(2);
    expect(priceItemWrite(undefined, sized(2, base), true, []).total).toBe(4);
    const price = priceItemWrite(undefined, indexed("T1"), true, [gsi]);
    expect(price).toEqual({ table: 2, indexes: { gsi1: 1 }, total: 3 });
  });

  it("an index: put 1, key move 2 (delete + put), removal 1, projected change 1, untouched 0", () => {
    expect(indexWriteUnits(gsi, base, indexed("T1"))).toBe(1);
    expect(indexWriteUnits(gsi, undefined, indexed("T1"))).toBe(1);
    expect(indexWriteUnits(gsi, indexed("T1"), indexed("T2"))).toBe(2);
    expect(indexWriteUnits(gsi, indexed("T1"), base)).toBe(1);
    expect(indexWriteUnits(gsi, indexed("T1"), undefined)).toBe(1);
    expect(indexWriteUnits(gsi, indexed("T1"), indexed("T1", { readAt: s("now") }))).toBe(1);
    expect(indexWriteUnits(gsi, indexed("T1"), indexed("T1"))).toBe(0);
    expect(indexWriteUnits(gsi, base, { ...base, text: s("edited") })).toBe(0);
  });

  it("an index entry is sized on what it projects: KEYS_ONLY ignores non-key changes and large items", () => {
    const waiting = (at: string, extra: Item = {}): Item => ({
      ...base,
      wcpk: s("WINDOW#1"),
      wcsk: s(at),
      ...extra,
    });
    expect(indexWriteUnits(keysOnly, waiting("A"), waiting("A", { text: s("edited") }))).toBe(0);
    expect(indexWriteUnits(keysOnly, undefined, sized(5, waiting("A")))).toBe(1);
    expect(indexWriteUnits(gsi, undefined, sized(5, indexed("T1")))).toBe(5);
    // A key move of a 2 KB entry: a 2 KB delete and a 2 KB put.
    expect(indexWriteUnits(gsi, sized(2, indexed("T1")), sized(2, indexed("T2")))).toBe(4);
  });

  it("the inbound single-DM transaction as priced: new message 3, conversation moving in the inbox 4", () => {
    const message = priceItemWrite(undefined, indexed("T1"), true, [gsi]);
    const conversation = priceItemWrite(indexed("T0", { unreadCount: { N: "1" } }), indexed("T1"), true, [
      gsi,
    ]);
    expect(message.total + conversation.total).toBe(7);
  });

  it("a failed conditional write is charged on the item that is there, at least one unit", () => {
    expect(priceFailedConditionalWrite(undefined)).toBe(1);
    expect(priceFailedConditionalWrite(sized(2, base))).toBe(2);
  });
});
