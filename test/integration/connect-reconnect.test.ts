import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACCOUNTS,
  type ConnectHarness,
  expectConnected,
  startConnectHarness,
  type Tenant,
  ticketOf,
} from "../support/connect-harness";

let h: ConnectHarness;
let n = 0;
const org = () => `org-reconnect-${++n}`;

beforeAll(async () => {
  h = await startConnectHarness();
});
afterAll(async () => {
  await h.stop();
});

/** The organisation's integrations and claims, as plain facts. */
async function orgState(imoId: string) {
  const items = await h.orgItems(imoId);
  return {
    integrations: items
      .filter((item) => item.entity === "integration")
      .map((item) => ({
        userId: item.userId,
        igAccountId: item.igAccountId,
        status: item.status,
        hasToken: "token" in item,
      }))
      .sort((a, b) => String(a.userId).localeCompare(String(b.userId))),
    claims: items
      .filter((item) => item.entity === "account_claim")
      .map((item) => ({ igAccountId: String(item.sk).replace("ACCOUNT#", ""), userId: item.userId }))
      .sort((a, b) => a.igAccountId.localeCompare(b.igAccountId)),
  };
}

const connected = async (tenant: Tenant, username: string) =>
  expectConnected(await h.connect(tenant, username));

describe("reconnect orders: one integration per (user, org) and per (account, org), never a duplicate-key error", () => {
  it("same user, same account: refreshes the one integration (new token, same connectedAt)", async () => {
    const alice = { userId: "alice", imoId: org() };
    await connected(alice, ACCOUNTS.riviera.username);
    const first = await h.storedIntegration(alice);
    await connected(alice, ACCOUNTS.riviera.username);
    const second = await h.storedIntegration(alice);

    expect(second?.version).toBe((first?.version ?? 0) + 1);
    expect(second?.connectedAt).toBe(first?.connectedAt);
    expect(h.tokenOf(second)).not.toBe(h.tokenOf(first));
    expect(await orgState(alice.imoId)).toEqual({
      integrations: [
        { userId: "alice", igAccountId: ACCOUNTS.riviera.igId, status: "connected", hasToken: true },
      ],
      claims: [{ igAccountId: ACCOUNTS.riviera.igId, userId: "alice" }],
    });
  });

  it("same user, another account: the new account replaces the old, whose claim is released", async () => {
    const alice = { userId: "alice", imoId: org() };
    await connected(alice, ACCOUNTS.riviera.username);
    await connected(alice, ACCOUNTS.second.username);

    expect((await h.getIntegration(alice)).body).toMatchObject({
      status: "connected",
      username: "second.shop",
    });
    expect(await orgState(alice.imoId)).toEqual({
      integrations: [
        { userId: "alice", igAccountId: ACCOUNTS.second.igId, status: "connected", hasToken: true },
      ],
      claims: [{ igAccountId: ACCOUNTS.second.igId, userId: "alice" }],
    });
    // The released account can now be connected by a colleague without touching alice.
    const bob = { userId: "bob", imoId: alice.imoId };
    await connected(bob, ACCOUNTS.riviera.username);
    expect((await h.getIntegration(alice)).body.status).toBe("connected");
  });

  it("another user of the organisation connects an account already connected: it moves to them", async () => {
    const imoId = org();
    const alice = { userId: "alice", imoId };
    const bob = { userId: "bob", imoId };
    await connected(alice, ACCOUNTS.riviera.username);
    await connected(bob, ACCOUNTS.riviera.username);

    expect((await h.getIntegration(bob)).body).toMatchObject({
      status: "connected",
      username: ACCOUNTS.riviera.username,
    });
    const alices = (await h.getIntegration(alice)).body;
    expect(alices.status).toBe("revoked");
    expect(alices.tokenExpiresAt).toBeUndefined();
    expect(await orgState(imoId)).toEqual({
      integrations: [
        { userId: "alice", igAccountId: ACCOUNTS.riviera.igId, status: "revoked", hasToken: false },
        { userId: "bob", igAccountId: ACCOUNTS.riviera.igId, status: "connected", hasToken: true },
      ],
      claims: [{ igAccountId: ACCOUNTS.riviera.igId, userId: "bob" }],
    });

    // And back again: alice reconnects the same account (her revoked integration is reused, bob's revoked).
    await connected(alice, ACCOUNTS.riviera.username);
    expect((await orgState(imoId)).claims).toEqual([{ igAccountId: ACCOUNTS.riviera.igId, userId: "alice" }]);
    expect((await h.getIntegration(bob)).body.status).toBe("revoked");
  });

  it("the same account in two organisations: independent integrations", async () => {
    const a = { userId: "alice", imoId: org() };
    const b = { userId: "alice", imoId: org() };
    await connected(a, ACCOUNTS.riviera.username);
    await connected(b, ACCOUNTS.riviera.username);
    expect((await h.getIntegration(a)).body.status).toBe("connected");
    expect((await h.getIntegration(b)).body.status).toBe("connected");
  });

  it("two concurrent callbacks for one user (different accounts): exactly one integration and one claim remain", async () => {
    const alice = { userId: "alice", imoId: org() };
    const [q1, q2] = [
      await h.authorize(alice, { username: ACCOUNTS.riviera.username }),
      await h.authorize(alice, { username: ACCOUNTS.second.username }),
    ];
    const landed = await Promise.all([h.callback(q1 ?? {}), h.callback(q2 ?? {})]);
    const responses = await Promise.all(
      landed.map((response) => h.complete(alice, ticketOf(response) ?? "")),
    );
    for (const response of responses) expectConnected(response);

    const state = await orgState(alice.imoId);
    expect(state.integrations).toHaveLength(1);
    expect(state.claims).toEqual([{ igAccountId: state.integrations[0]?.igAccountId, userId: "alice" }]);
  });

  it("two concurrent callbacks for one user (same account): one integration, one claim", async () => {
    const alice = { userId: "alice", imoId: org() };
    const queries = [await h.authorize(alice), await h.authorize(alice), await h.authorize(alice)];
    const landed = await Promise.all(queries.map((query) => h.callback(query)));
    const responses = await Promise.all(
      landed.map((response) => h.complete(alice, ticketOf(response) ?? "")),
    );
    for (const response of responses) expectConnected(response);
    expect(await orgState(alice.imoId)).toEqual({
      integrations: [
        { userId: "alice", igAccountId: ACCOUNTS.riviera.igId, status: "connected", hasToken: true },
      ],
      claims: [{ igAccountId: ACCOUNTS.riviera.igId, userId: "alice" }],
    });
  });

  it("two users racing for one account: exactly one holds it, the other ends revoked", async () => {
    const imoId = org();
    const alice = { userId: "alice", imoId };
    const bob = { userId: "bob", imoId };
    const [qa, qb] = [await h.authorize(alice), await h.authorize(bob)];
    const [la, lb] = await Promise.all([h.callback(qa), h.callback(qb)]);
    const responses = await Promise.all([
      h.complete(alice, ticketOf(la) ?? ""),
      h.complete(bob, ticketOf(lb) ?? ""),
    ]);
    for (const response of responses) expectConnected(response);
    const state = await orgState(imoId);
    expect(state.claims).toHaveLength(1);
    const holder = state.claims[0]?.userId;
    expect(state.integrations.filter((i) => i.status === "connected").map((i) => i.userId)).toEqual([holder]);
    expect(state.integrations.filter((i) => i.status === "revoked")).toHaveLength(1);
  });
});

describe("DELETE /instagram/integration", () => {
  it("revokes, erases the token, releases the account and unsubscribes it at Meta; 204, idempotent", async () => {
    const alice = { userId: "alice", imoId: org() };
    await connected(alice, ACCOUNTS.creator.username);
    expect(h.sim.subscriptions(ACCOUNTS.creator.igId).length).toBeGreaterThan(0);

    const response = await h.disconnect(alice);
    expect(response.statusCode).toBe(204);
    const { body } = await h.getIntegration(alice);
    expect(body).toMatchObject({ status: "revoked", username: ACCOUNTS.creator.username });
    expect(body.tokenExpiresAt).toBeUndefined();
    expect((await h.storedIntegration(alice))?.token).toBeUndefined();
    expect((await orgState(alice.imoId)).claims).toEqual([]);
    expect(h.sim.subscriptions(ACCOUNTS.creator.igId)).toEqual([]);

    expect((await h.disconnect(alice)).statusCode).toBe(204);
    expect((await h.disconnect({ userId: "nobody", imoId: alice.imoId })).statusCode).toBe(204);
  });

  it("keeps the Meta subscription while another organisation still uses the account", async () => {
    const a = { userId: "alice", imoId: org() };
    const b = { userId: "bob", imoId: org() };
    await connected(a, ACCOUNTS.second.username);
    await connected(b, ACCOUNTS.second.username);
    expect((await h.disconnect(a)).statusCode).toBe(204);
    expect(h.sim.subscriptions(ACCOUNTS.second.igId).length).toBeGreaterThan(0);
    expect((await h.getIntegration(b)).body.status).toBe("connected");
  });

  it("disconnects even when Meta's unsubscribe fails", async () => {
    const alice = { userId: "alice", imoId: org() };
    await connected(alice, ACCOUNTS.creator.username);
    h.sim.injectFault({ kind: "server_error", target: "subscribe" });
    expect((await h.disconnect(alice)).statusCode).toBe(204);
    h.sim.clearFaults();
    expect((await h.getIntegration(alice)).body.status).toBe("revoked");
  });
});
