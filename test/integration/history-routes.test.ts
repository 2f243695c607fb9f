import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createHistoryQueues } from "../../dev/services/provision";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { freshTable, localSqs } from "../support/local-aws";
import {
  claimsOf,
  type HttpHandler,
  readItem,
  receiveRecords,
  seedIntegration,
} from "../support/outbound-harness";
import { tableSnapshot } from "../support/table-scan";

/*
 * POST /instagram/integration/history and the `history` field of GET /instagram/integration, through the real
 * handlers on DynamoDB Local and a local SQS queue: only the caller's own integration, one import at a time, and the
 * queued step carries no token.
 */

const ACCOUNT = "17841462871093525";
const TOKEN = "IGAAT4JuXFtestTokenForHistory00000ZDZD";
const owner = { imoId: "imo-hist-route", userId: "user-owner" };
const sameOrgOtherUser = { imoId: "imo-hist-route", userId: "user-other" };
const otherOrg = { imoId: "imo-hist-other", userId: "user-owner" };

let tableName: string;
let queueUrl: string;
let start: HttpHandler;
let get: HttpHandler;

function call(handler: HttpHandler, method: "GET" | "POST", route: string, tenant: typeof owner) {
  return handler(httpEvent({ method, route, claims: claimsOf(tenant) }), lambdaContext());
}
const postHistory = (tenant: typeof owner) => call(start, "POST", "/instagram/integration/history", tenant);
const getIntegration = (tenant: typeof owner) => call(get, "GET", "/instagram/integration", tenant);
const bodyOf = (result: { body?: string }) => JSON.parse(result.body ?? "{}") as Record<string, unknown>;

beforeAll(async () => {
  tableName = await freshTable();
  ({ queueUrl } = await createHistoryQueues(localSqs(), `test-history-${randomUUID().slice(0, 8)}`));
  setHandlerEnv({ tableName, HISTORY_QUEUE_URL: queueUrl });
  start = (await import("../../lambdas/handlers/integration-history")).handler as HttpHandler;
  get = (await import("../../lambdas/handlers/integration-get")).handler as HttpHandler;
  await seedIntegration(tableName, { token: TOKEN, tenant: owner, igAccountId: ACCOUNT });
  // The same account connected in another organisation: its history is its own.
  await seedIntegration(tableName, { token: TOKEN, tenant: otherOrg, igAccountId: ACCOUNT });
});

describe("POST /instagram/integration/history", () => {
  it("starts the caller's import (202), queues its first step without a token, and shows it on GET", async () => {
    const started = await postHistory(owner);
    expect(started.statusCode).toBe(202);
    expect(bodyOf(started)).toMatchObject({ status: "running", conversations: 0, messages: 0 });

    const records = await receiveRecords(queueUrl);
    expect(records).toHaveLength(1);
    const step = JSON.parse(records[0]?.body ?? "{}");
    expect(step).toMatchObject({ imoId: owner.imoId, igAccountId: ACCOUNT, seq: 0, attempt: 0 });
    expect(records[0]?.body).not.toContain(TOKEN);

    const shown = bodyOf(await getIntegration(owner));
    expect(shown.history).toMatchObject({ status: "running", conversations: 0, messages: 0 });
    expect(JSON.stringify(shown)).not.toContain("cursor");
  });

  it("a replayed POST while the import runs is 409 and changes nothing", async () => {
    const before = await tableSnapshot(tableName);
    const replay = await postHistory(owner);
    expect(replay.statusCode).toBe(409);
    expect(bodyOf(replay).code).toBe("history.already_running");
    expect(replay.headers?.["content-type"]).toContain("application/problem+json");
    expect(await tableSnapshot(tableName)).toBe(before);
    expect(await receiveRecords(queueUrl)).toHaveLength(0);
  });

  it("another user or another organisation can neither start nor read this import", async () => {
    const stranger = await postHistory(sameOrgOtherUser);
    expect(stranger.statusCode).toBe(409);
    expect(bodyOf(stranger).code).toBe("integration.not_connected");
    expect(bodyOf(await getIntegration(sameOrgOtherUser))).toEqual({ status: "none" });

    // The other organisation's integration of the same account shows no history until it starts its own.
    expect(bodyOf(await getIntegration(otherOrg)).history).toBeUndefined();
    const own = await postHistory(otherOrg);
    expect(own.statusCode).toBe(202);
    const ownJob = await readItem(tableName, Keys.historyJob(otherOrg.imoId, ACCOUNT));
    const ownerJob = await readItem(tableName, Keys.historyJob(owner.imoId, ACCOUNT));
    expect(ownJob?.jobId).not.toBe(ownerJob?.jobId);
    expect(ownerJob?.userId).toBe(owner.userId);
  });

  it("an integration that must be reconnected cannot start an import (409 integration.needs_reauth)", async () => {
    const tenant = { imoId: "imo-hist-reauth", userId: "user-reauth" };
    await seedIntegration(tableName, {
      token: TOKEN,
      tenant,
      igAccountId: ACCOUNT,
      status: "needs_reauth",
    });
    const refused = await postHistory(tenant);
    expect(refused.statusCode).toBe(409);
    expect(bodyOf(refused).code).toBe("integration.needs_reauth");
    expect(await readItem(tableName, Keys.historyJob(tenant.imoId, ACCOUNT))).toBeUndefined();
  });

  it("without a bearer token: 401", async () => {
    const anonymous = await start(
      httpEvent({ method: "POST", route: "/instagram/integration/history" }),
      lambdaContext(),
    );
    expect(anonymous.statusCode).toBe(401);
  });
});
