import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHistoryQueues } from "../../dev/services/provision";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import {
  ACCOUNTS,
  type ConnectHarness,
  expectConnected,
  startConnectHarness,
} from "../support/connect-harness";
import { localSqs } from "../support/local-aws";
import { receiveRecords } from "../support/outbound-harness";

/* A completed connect starts the account's history import (docs/app-api.md "History import"). */

let h: ConnectHarness;
let queueUrl: string;

beforeAll(async () => {
  ({ queueUrl } = await createHistoryQueues(localSqs(), `test-history-${randomUUID().slice(0, 8)}`));
  h = await startConnectHarness({ HISTORY_QUEUE_URL: queueUrl });
});
afterAll(async () => {
  await h.stop();
});

describe("history import on connect", () => {
  it("the completed connect queues the first step of a new import, shown on GET /instagram/integration", async () => {
    const tenant = { imoId: "org-history-connect", userId: "alice" };
    expectConnected(await h.connect(tenant));
    const records = await receiveRecords(queueUrl);
    expect(records).toHaveLength(1);
    const step = JSON.parse(records[0]?.body ?? "{}");
    expect(step).toMatchObject({ imoId: tenant.imoId, igAccountId: ACCOUNTS.riviera.igId, seq: 0 });
    const job = await h.rawItem(Keys.historyJob(tenant.imoId, ACCOUNTS.riviera.igId));
    expect(job).toMatchObject({ status: "running", userId: tenant.userId, jobId: step.jobId });
    const { body } = await h.getIntegration(tenant);
    expect(body.history).toMatchObject({ status: "running", conversations: 0, messages: 0 });
  });

  it("reconnecting while the import runs keeps the running one (no second job, the connect still succeeds)", async () => {
    const tenant = { imoId: "org-history-reconnect", userId: "bob" };
    expectConnected(await h.connect(tenant));
    const first = await h.rawItem(Keys.historyJob(tenant.imoId, ACCOUNTS.riviera.igId));
    await receiveRecords(queueUrl);
    expectConnected(await h.connect(tenant));
    const again = await h.rawItem(Keys.historyJob(tenant.imoId, ACCOUNTS.riviera.igId));
    expect(again?.jobId).toBe(first?.jobId);
    expect(await receiveRecords(queueUrl)).toHaveLength(0);
  });
});
