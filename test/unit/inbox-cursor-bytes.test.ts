import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { dynamoInboxReader } from "../../lambdas/adapters/dynamo/inbox-queries";
import { ValidationError } from "../../lambdas/domain/errors";
import { decodeCursor, encodeCursor } from "../../lambdas/domain/inbox/cursor";

describe("pagination cursors are checked in bytes, and DynamoDB's refusal of one is a 400", () => {
  it("a key value over 1,024 UTF-8 bytes is refused even when it is under 1,024 characters", () => {
    expect(() => decodeCursor(encodeCursor("s", { gsi1sk: "é".repeat(600) }), "s")).toThrow(ValidationError);
    expect(() => decodeCursor(encodeCursor("s", { gsi1sk: "😀".repeat(300) }), "s")).toThrow(ValidationError);
    expect(decodeCursor(encodeCursor("s", { gsi1sk: "é".repeat(512) }), "s")).toEqual({
      gsi1sk: "é".repeat(512),
    });
  });

  it("a ValidationException from a query with the caller's start key becomes request.invalid on query.cursor", async () => {
    const refusing = {
      send: async () => {
        throw Object.assign(new Error("The provided starting key is invalid"), {
          name: "ValidationException",
        });
      },
    } as unknown as DynamoDBDocumentClient;
    const reader = dynamoInboxReader(refusing, "t");
    const gsi1pk = "INBOX#org#1784";
    const startKey = { pk: "CONV#org#1784#1", sk: "CONV", gsi1pk, gsi1sk: "x" };
    const error = await reader
      .conversationsPage("org", "1784", { limit: 10, startKey })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields).toEqual([
      { field: "query.cursor", message: "Malformed cursor" },
    ]);
  });

  it("without a start key, a ValidationException is ours (a bug), not the caller's: it is not turned into a 400", async () => {
    const refusing = {
      send: async () => {
        throw Object.assign(new Error("bad expression"), { name: "ValidationException" });
      },
    } as unknown as DynamoDBDocumentClient;
    const error = await dynamoInboxReader(refusing, "t")
      .conversationsPage("org", "1784", { limit: 10 })
      .catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(ValidationError);
  });
});
