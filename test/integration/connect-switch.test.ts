import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACCOUNTS,
  type ConnectHarness,
  expectConnected,
  startConnectHarness,
} from "../support/connect-harness";

/**
 * Issue 13's connect bullets against the simulator (its own harness: subscriptions are per simulator): switching a
 * user to another account unsubscribes the old one at Meta unless another organisation still holds it, and
 * reconnecting from needs_reauth keeps `connectedAt`.
 */
let h: ConnectHarness;

beforeAll(async () => {
  h = await startConnectHarness();
});
afterAll(async () => {
  await h.stop();
});

const connected = async (tenant: { userId: string; imoId: string }, username: string) =>
  expectConnected(await h.connect(tenant, username));

describe("switching accounts", () => {
  it("unsubscribes the old account at Meta when no other organisation holds it", async () => {
    const alice = { userId: "alice", imoId: "org-switch-1" };
    await connected(alice, ACCOUNTS.second.username);
    expect(h.sim.subscriptions(ACCOUNTS.second.igId).length).toBeGreaterThan(0);

    await connected(alice, ACCOUNTS.creator.username);

    expect(h.sim.subscriptions(ACCOUNTS.second.igId)).toEqual([]);
    expect(h.sim.subscriptions(ACCOUNTS.creator.igId).length).toBeGreaterThan(0);
    expect((await h.storedIntegration(alice))?.igAccountId).toBe(ACCOUNTS.creator.igId);
  });

  it("keeps the old account subscribed while another organisation still receives its DMs", async () => {
    const bob = { userId: "bob", imoId: "org-switch-2" };
    const carol = { userId: "carol", imoId: "org-switch-3" };
    await connected(bob, ACCOUNTS.riviera.username);
    await connected(carol, ACCOUNTS.riviera.username);

    await connected(bob, ACCOUNTS.second.username);

    expect(h.sim.subscriptions(ACCOUNTS.riviera.igId).length).toBeGreaterThan(0);
    expect((await h.storedIntegration(carol))?.status).toBe("connected");
  });
});

describe("reconnecting from needs_reauth", () => {
  it("keeps connectedAt and becomes connected with a new token", async () => {
    const dan = { userId: "dan", imoId: "org-switch-4" };
    await connected(dan, ACCOUNTS.creator.username);
    const first = await h.storedIntegration(dan);
    // What the sender does when Meta refuses the token (docs/outbound.md): needs_reauth, token erased.
    await h.db.send(
      new UpdateCommand({
        TableName: h.tableName,
        Key: { pk: `ORG#${dan.imoId}`, sk: `USER#${dan.userId}` },
        UpdateExpression: "SET #status = :reauth REMOVE #token",
        ExpressionAttributeNames: { "#status": "status", "#token": "token" },
        ExpressionAttributeValues: { ":reauth": "needs_reauth" },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));

    await connected(dan, ACCOUNTS.creator.username);

    const after = await h.storedIntegration(dan);
    expect(after?.status).toBe("connected");
    expect(after?.connectedAt).toBe(first?.connectedAt);
    expect(h.tokenOf(after)).toBeDefined();
  });
});
