import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { ticketHash } from "../../lambdas/domain/connect/ticket";
import type { HttpResult } from "../../lambdas/http/types";
import {
  ACCOUNTS,
  type ConnectHarness,
  expectConnected,
  landing,
  startConnectHarness,
  type Tenant,
} from "../support/connect-harness";
import { scanTable } from "../support/table-scan";

/**
 * Issue 12 part 1: a connect link completed in someone else's browser must not connect the account to
 * anyone but the tenant that started it. The callback only issues a ticket; these tests try to redeem it
 * as everyone else, twice, late, and without a JWT.
 */
let h: ConnectHarness;
let n = 0;
const org = () => `org-ticket-${++n}`;

beforeAll(async () => {
  h = await startConnectHarness();
});
afterAll(async () => {
  await h.stop();
});

/** Runs init (as the tenant) and the consent + callback (in any browser); returns the landing's ticket. */
async function ticketFor(tenant: Tenant, username: string = ACCOUNTS.riviera.username): Promise<string> {
  const url = landing(await h.callback(await h.authorize(tenant, { username })));
  const ticket = url.searchParams.get("connect_ticket");
  expect(ticket).not.toBeNull();
  return ticket ?? "";
}

/** Integrations and claims anywhere in the table (a full scan, not just the tenant's partition). */
async function connections() {
  const items = await scanTable(h.tableName);
  return items.filter((item) => item.entity === "integration" || item.entity === "account_claim");
}

function expectProblem(response: HttpResult, status: number, code: string) {
  expect(response.statusCode, response.body ?? "").toBe(status);
  expect(String(response.headers?.["content-type"])).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(response.body ?? "{}");
  expect(body.code).toBe(code);
  return body as Record<string, unknown>;
}

describe("POST /instagram/oauth/complete refuses everyone but the tenant that started the flow", () => {
  it.each([
    ["another user of the same organisation", (owner: Tenant) => ({ imoId: owner.imoId, userId: "mallory" })],
    ["the same user id in another organisation", (owner: Tenant) => ({ imoId: org(), userId: owner.userId })],
    ["another organisation entirely", () => ({ imoId: org(), userId: "eve" })],
  ])("%s: ticket_invalid, nothing written, the owner can still complete", async (_name, intruderOf) => {
    const owner = { imoId: org(), userId: "alice" };
    const ticket = await ticketFor(owner);
    const before = await connections();

    const body = expectProblem(await h.complete(intruderOf(owner), ticket), 400, "oauth.ticket_invalid");
    // Same answer as an unknown ticket: the intruder learns nothing about whose it is.
    expect(JSON.stringify(body)).not.toMatch(new RegExp(`${owner.imoId}|alice|${ACCOUNTS.riviera.username}`));
    expect(await connections()).toEqual(before);
    expect(await h.rawItem(Keys.connectTicket(ticketHash(ticket)))).toBeDefined();

    expectConnected(await h.complete(owner, ticket));
    expect((await h.getIntegration(owner)).body.status).toBe("connected");
  });

  it("an unknown ticket and another tenant's ticket get byte-identical answers", async () => {
    const owner = { imoId: org(), userId: "alice" };
    const ticket = await ticketFor(owner);
    const intruder = { imoId: org(), userId: "eve" };
    const theirs = await h.complete(intruder, ticket);
    const unknown = await h.complete(intruder, "A".repeat(43));
    expect(theirs.statusCode).toBe(unknown.statusCode);
    const strip = (r: HttpResult) => {
      const { instance: _i, correlationId: _c, ...rest } = JSON.parse(r.body ?? "{}");
      return rest;
    };
    expect(strip(theirs)).toEqual(strip(unknown));
  });

  it("without a JWT: 401, nothing written, the ticket stays", async () => {
    const owner = { imoId: org(), userId: "alice" };
    const ticket = await ticketFor(owner);
    const before = await connections();
    expectProblem(await h.complete(undefined, ticket), 401, "auth.unauthorized");
    expect(await connections()).toEqual(before);
    expect(await h.rawItem(Keys.connectTicket(ticketHash(ticket)))).toBeDefined();
  });

  it("a reused ticket: the second completion is ticket_invalid and changes nothing", async () => {
    const owner = { imoId: org(), userId: "alice" };
    const ticket = await ticketFor(owner);
    expectConnected(await h.complete(owner, ticket));
    const before = await scanTable(h.tableName);
    expectProblem(await h.complete(owner, ticket), 400, "oauth.ticket_invalid");
    expect(await scanTable(h.tableName)).toEqual(before);
  });

  it("two completions racing with one ticket: exactly one connects", async () => {
    const owner = { imoId: org(), userId: "alice" };
    const ticket = await ticketFor(owner);
    const results = await Promise.all([h.complete(owner, ticket), h.complete(owner, ticket)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400]);
  });

  it("an expired ticket (even before DynamoDB's TTL removes it): ticket_expired to its owner, nothing written", async () => {
    const owner = { imoId: org(), userId: "alice" };
    const ticket = await ticketFor(owner);
    await h.db.send(
      new UpdateCommand({
        TableName: h.tableName,
        Key: Keys.connectTicket(ticketHash(ticket)),
        UpdateExpression: "SET expiresAtMs = :past",
        ExpressionAttributeValues: { ":past": Date.now() - 1 },
      }),
    );
    const before = await connections();
    // Another tenant is not even told it expired.
    expectProblem(await h.complete({ imoId: org(), userId: "eve" }, ticket), 400, "oauth.ticket_invalid");
    expectProblem(await h.complete(owner, ticket), 400, "oauth.ticket_expired");
    expect(await connections()).toEqual(before);
    expect(await h.storedIntegration(owner)).toBeUndefined();
  });

  it("bad bodies: 400 request.invalid or oauth.ticket_invalid, nothing written", async () => {
    const owner = { imoId: org(), userId: "alice" };
    const before = await connections();
    expectProblem(await h.complete(owner, ""), 400, "request.invalid");
    expectProblem(await h.complete(owner, "x".repeat(200)), 400, "request.invalid");
    expectProblem(await h.complete(owner, "../../etc#passwd"), 400, "oauth.ticket_invalid");
    expect(await connections()).toEqual(before);
  });

  it("the ticket item holds the token sealed and is keyed by the ticket's hash, never the ticket", async () => {
    const owner = { imoId: org(), userId: "alice" };
    const ticket = await ticketFor(owner);
    const items = await scanTable(h.tableName);
    const text = JSON.stringify(items);
    expect(text).not.toContain(ticket);
    expect(text).not.toMatch(/IGAA/);
    const item = items.find((candidate) => candidate.pk === Keys.connectTicket(ticketHash(ticket)).pk);
    expect(item).toMatchObject({ entity: "connect_ticket", imoId: owner.imoId, userId: owner.userId });
    expect(typeof item?.expiresAt).toBe("number"); // the TTL attribute tidies up unredeemed tickets
  });
});

describe("an account connected in more than one organisation shows that it is shared", () => {
  it("each side sees sharedWithOtherOrganisations and a count, never the other organisation's id", async () => {
    const a = { imoId: org(), userId: "alice" };
    const b = { imoId: org(), userId: "bob" };
    const username = ACCOUNTS.second.username;
    const first = expectConnected(await h.connect(a, username));
    expect(first).toMatchObject({ sharedWithOtherOrganisations: false, otherOrganisationCount: 0 });

    const second = expectConnected(await h.connect(b, username));
    expect(second).toMatchObject({ sharedWithOtherOrganisations: true, otherOrganisationCount: 1 });
    for (const [self, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const { body } = await h.getIntegration(self);
      expect(body).toMatchObject({ sharedWithOtherOrganisations: true, otherOrganisationCount: 1 });
      expect(JSON.stringify(body)).not.toContain(other.imoId);
    }

    expect((await h.disconnect(b)).statusCode).toBe(204);
    expect((await h.getIntegration(a)).body).toMatchObject({
      sharedWithOtherOrganisations: false,
      otherOrganisationCount: 0,
    });
  });
});
