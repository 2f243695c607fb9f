import { BatchWriteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import {
  ACCOUNTS,
  type ConnectHarness,
  expectConnected,
  startConnectHarness,
} from "../support/connect-harness";
import { httpEvent, lambdaContext } from "../support/http-event";
import { scanTable } from "../support/table-scan";

/**
 * Fault: an account with 100,000 messages is far more than one 60-second worker invocation can erase.
 * Guarantee: the data deletion job erases it in bounded steps, re-queuing itself, and completes with every message
 * gone and counted. Each step here gets 20 s of function time (so it stops after about 5 s and re-queues), which
 * also proves the resume path many times over.
 */
const MESSAGES = 100_000;
const IGSID = "3416870925100000";

let h: ConnectHarness;

beforeAll(async () => {
  h = await startConnectHarness();
});
afterAll(async () => {
  await h.stop();
});

async function seed(imoId: string, igAccountId: string): Promise<number> {
  const started = Date.now();
  await h.db.send(
    new PutCommand({
      TableName: h.tableName,
      Item: {
        ...Keys.conversation(imoId, igAccountId, IGSID),
        ...Keys.inbox(imoId, igAccountId),
        gsi1sk: `2026-11-25T10:00:00.000Z#${IGSID}`,
        entity: "conversation",
        imoId,
        igAccountId,
        igsid: IGSID,
      },
    }),
  );
  const batches: Record<string, unknown>[][] = [];
  for (let start = 0; start < MESSAGES; start += 25) {
    batches.push(
      Array.from({ length: Math.min(25, MESSAGES - start) }, (_, offset) => {
        const i = start + offset;
        const messageId = `m-${String(i).padStart(6, "0")}`;
        return {
          ...Keys.message(imoId, messageId),
          ...Keys.conversationMessages(imoId, igAccountId, IGSID),
          gsi1sk: `${new Date(1_790_000_000_000 + i).toISOString()}#${messageId}`,
          entity: "message",
          messageId,
          mid: messageId,
          text: `private text ${i}`,
        };
      }),
    );
  }
  // BatchWrite 25 at a time, 16 requests in flight; unprocessed items are sent again.
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let requests = (batches[next++] ?? []).map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const result = await h.db.send(new BatchWriteCommand({ RequestItems: { [h.tableName]: requests } }));
        requests = (result.UnprocessedItems?.[h.tableName] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return Date.now() - started;
}

describe("an account with 100,000 messages", () => {
  it("is erased completely by the data deletion job, step after step", async () => {
    const alice = { userId: "alice", imoId: "org-100k" };
    expectConnected(await h.connect(alice, ACCOUNTS.riviera.username));
    const seedMs = await seed(alice.imoId, ACCOUNTS.riviera.igId);

    const response = await h.signedRequest(
      "dataDeletion",
      h.signedNow({ user_id: ACCOUNTS.riviera.appScopedId, expires: Math.floor(Date.now() / 1000) + 3600 }),
    );
    expect(response.statusCode).toBe(200);
    const code = JSON.parse(response.body ?? "{}").confirmation_code as string;
    const started = Date.now();
    const steps = await h.runErasureJobs({ timeMs: 20_000 });
    const eraseMs = Date.now() - started;
    console.info(`100k erasure: seeded in ${seedMs} ms, erased in ${eraseMs} ms over ${steps} steps`);

    expect(steps).toBeGreaterThan(1);
    const status = await h.handlers.dataDeletionStatus(
      httpEvent({ method: "GET", route: "/instagram/data-deletion/{code}", pathParameters: { code } }),
      lambdaContext(),
    );
    expect(JSON.parse(status.body ?? "{}")).toMatchObject({
      status: "completed",
      erased: { integrations: 1, conversations: 1, messages: MESSAGES },
    });
    const left = JSON.stringify(await scanTable(h.tableName));
    expect(left).not.toContain("private text");
    expect(left).not.toContain(ACCOUNTS.riviera.igId);
    expect(left).not.toContain(ACCOUNTS.riviera.appScopedId);
  });
});
