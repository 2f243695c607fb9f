import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../lambdas/domain/errors";
import { decodeCursor, encodeCursor } from "../../lambdas/domain/inbox/cursor";

const key = {
  pk: "CONV#org#1784#42",
  sk: "CONV",
  gsi1pk: "INBOX#org#1784",
  gsi1sk: "2026-01-01T00:00:00.000Z#42",
};

describe("inbox cursors", () => {
  it("round-trip a key for the scope they were issued to, as opaque base64url", () => {
    const cursor = encodeCursor("conversations|org|u1|1784", key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, "conversations|org|u1|1784")).toEqual(key);
  });

  it("refuse a cursor issued for another scope", () => {
    const cursor = encodeCursor("conversations|org|u1|1784", key);
    expect(() => decodeCursor(cursor, "conversations|org|u2|1784")).toThrow(ValidationError);
    expect(() => decodeCursor(cursor, "messages|org|u1|1784|42")).toThrow(ValidationError);
  });

  it("reject anything malformed with a 400 naming query.cursor, whatever the input", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.base64String(),
          fc.json().map((j) => Buffer.from(j).toString("base64url")),
        ),
        (input) => {
          try {
            decodeCursor(input, "scope");
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
            expect((error as ValidationError).fields[0]?.field).toBe("query.cursor");
            expect((error as ValidationError).status).toBe(400);
            return;
          }
          throw new Error(`accepted ${input}`);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("any single-character change of a real cursor is refused or decodes to the same scope only", () => {
    const scope = "messages|org|u1|1784|42";
    const cursor = encodeCursor(scope, key);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    fc.assert(
      fc.property(fc.nat(cursor.length - 1), fc.constantFrom(...alphabet), (index, char) => {
        const tampered = `${cursor.slice(0, index)}${char}${cursor.slice(index + 1)}`;
        try {
          decodeCursor(tampered, scope);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
        }
      }),
    );
  });
});
