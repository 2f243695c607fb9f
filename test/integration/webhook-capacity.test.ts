import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { dynamoInboundStore } from "../../lambdas/adapters/dynamo/inbound-store";
import { dynamoIntegrationRouting } from "../../lambdas/adapters/dynamo/integration-routing";
import { ingestDelivery } from "../../lambdas/domain/webhook/ingest";
import { parseDelivery } from "../../lambdas/domain/webhook/parse";
import { freshTable } from "../support/local-aws";
import { ACCOUNT, deliveryOf, fixtureText, fromCustomer, midOf, text } from "../support/webhook-fixtures";
import { connectIntegration } from "../support/webhook-seed";

/** DynamoDB requests and consumed capacity, per operation, measured with ReturnConsumedCapacity ("INDEXES": the TOTAL plus its split by table and index). */
interface Tally {
  requests: Record<string, number>;
  writeUnits: number;
  /** Of writeUnits, the part DynamoDB attributes to the gsi1 index (inbox order, conversation messages). */
  indexWriteUnits: number;
  readUnits: number;
  failed: number;
}

const tally: Tally = { requests: {}, writeUnits: 0, indexWriteUnits: 0, readUnits: 0, failed: 0 };
const reset = () => {
  tally.requests = {};
  tally.writeUnits = 0;
  tally.indexWriteUnits = 0;
  tally.readUnits = 0;
  tally.failed = 0;
};
const requestCount = () => Object.values(tally.requests).reduce((sum, n) => sum + n, 0);

function add(consumed: ConsumedCapacity | ConsumedCapacity[] | undefined, command: string) {
  for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) {
    // DynamoDB Local reports CapacityUnits only; reads are the Query/Get commands.
    const units = entry.CapacityUnits ?? 0;
    if (/Query|Get|Scan/.test(command)) tally.readUnits += entry.ReadCapacityUnits ?? units;
    else {
      tally.writeUnits += entry.WriteCapacityUnits ?? units;
      for (const index of Object.values(entry.GlobalSecondaryIndexes ?? {})) {
        tally.indexWriteUnits += index.WriteCapacityUnits ?? index.CapacityUnits ?? 0;
      }
    }
  }
}

const db = documentClient();
db.middlewareStack.add(
  (next, context) => async (args) => {
    const command = context.commandName ?? "unknown";
    (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = "INDEXES";
    tally.requests[command] = (tally.requests[command] ?? 0) + 1;
    try {
      const result = await next(args);
      add(
        (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }).ConsumedCapacity,
        command,
      );
      return result;
    } catch (error) {
      tally.failed += 1;
      throw error;
    }
  },
  { step: "initialize", name: "measureConsumedCapacity" },
);

let tableName: string;
const report: Record<string, unknown> = {};

async function ingest(body: string) {
  const store = dynamoInboundStore(db, tableName);
  const routing = dynamoIntegrationRouting(db, tableName);
  reset();
  const summary = await ingestDelivery(parseDelivery(body), {
    store,
    routing,
    count: () => undefined,
    log: () => undefined,
    concurrency: 32,
  });
  return {
    summary,
    requests: requestCount(),
    byCommand: { ...tally.requests },
    writeUnits: tally.writeUnits,
    indexWriteUnits: tally.indexWriteUnits,
    readUnits: tally.readUnits,
    failedRequests: tally.failed,
  };
}

beforeAll(async () => {
  tableName = await freshTable();
  await connectIntegration(tableName, "imo-1", ACCOUNT);
});

describe("DynamoDB cost of inbound deliveries (ReturnConsumedCapacity TOTAL, DynamoDB Local)", () => {
  it("one inbound text message: one routing query and one transactional write", async () => {
    const first = await ingest(fixtureText("ig-message-text.json"));
    report.textMessageNewConversation = first;
    expect(first.byCommand).toEqual({ QueryCommand: 1, TransactWriteItemsCommand: 1 });
    expect(first.writeUnits).toBeGreaterThan(0);

    const next = await ingest(deliveryOf([fromCustomer(1773151600000, text(midOf("cap1"), "And in blue?"))]));
    report.textMessageExistingConversation = next;
    expect(next.byCommand).toEqual({ QueryCommand: 1, TransactWriteItemsCommand: 1 });

    const duplicate = await ingest(fixtureText("ig-message-text.json"));
    report.textMessageRedelivered = duplicate;
    expect(duplicate.summary.duplicates).toBe(1);
    expect(duplicate.byCommand).toEqual({ QueryCommand: 1, TransactWriteItemsCommand: 1 });
  });

  it.each([
    ["100 conversations × 1 message", 100, 100],
    ["10 conversations × 10 messages", 10, 10],
    ["1 conversation × 100 messages", 1, 4],
  ])(
    "a 100-event batch, %s: one query, new messages of a conversation written together",
    async (shape, conversations, transactions) => {
      const events = Array.from({ length: 100 }, (_, i) =>
        fromCustomer(
          1773152000000 + i,
          text(midOf(`cap-${conversations}-${i}`), `message number ${i}`),
          String(5_000_000_000_000_000 + conversations * 1000 + (i % conversations)),
        ),
      );
      const batch = await ingest(deliveryOf(events));
      report[`batchOf100: ${shape}`] = batch;
      expect(batch.summary.stored).toBe(100);
      expect(batch.byCommand).toEqual({ QueryCommand: 1, TransactWriteItemsCommand: transactions });
      const redelivered = await ingest(deliveryOf(events));
      report[`batchOf100 redelivered: ${shape}`] = redelivered;
      expect(redelivered.summary.duplicates).toBe(100);
    },
  );

  it("prints the report", () => {
    console.info(`webhook DynamoDB cost: ${JSON.stringify(report, null, 2)}`);
    expect(Object.keys(report)).toHaveLength(9);
  });
});
