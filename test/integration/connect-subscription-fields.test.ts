import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUBSCRIBABLE_FIELDS } from "../../dev/meta-simulator/model";
import { SUBSCRIBED_FIELDS } from "../../lambdas/adapters/meta/instagram-login";
import { Problem } from "../../lambdas/contract/api/index";
import { ACCOUNTS, landing, startConnectHarness } from "../support/connect-harness";
import { tableItems } from "../support/table-scan";

/**
 * The fault: Meta refuses one of the webhook fields this service subscribes to (code 100 on
 * `POST /{ig-id}/subscribed_apps`, docs/meta-simulator.md row 39) — a field Meta retired, or a typo in
 * SUBSCRIBED_FIELDS. The simulator plays it with a field list narrowed by one of ours. The guarantee: the connect
 * fails with a problem+json that names the reason (not "try again"), and nothing is half-written: no
 * integration, no account claim, no stored token.
 */
const REFUSED = "message_edit";
let h: Awaited<ReturnType<typeof startConnectHarness>>;

beforeAll(async () => {
  h = await startConnectHarness(
    {},
    { sim: { subscribableFields: SUBSCRIBABLE_FIELDS.filter((f) => f !== REFUSED) } },
  );
});
afterAll(() => h.stop());

describe("a webhook field Meta would reject fails the connect", () => {
  it("every field we subscribe is one the simulator (and Meta's field list) accepts by default", () => {
    const accepted: readonly string[] = SUBSCRIBABLE_FIELDS;
    expect(SUBSCRIBED_FIELDS.filter((field) => !accepted.includes(field))).toEqual([]);
    expect(SUBSCRIBED_FIELDS).toContain(REFUSED);
  });

  it("→ 502 oauth.subscribe_failed naming the configuration error; no integration, claim or token stored", async () => {
    const who = { imoId: "org-fields", userId: "user-fields" };
    const before = await tableItems(h.tableName);
    const ticket = landing(await h.callback(await h.authorize(who))).searchParams.get("connect_ticket") ?? "";
    expect(ticket).not.toBe("");
    const response = await h.complete(who, ticket);
    expect(response.statusCode).toBe(502);
    expect(response.headers?.["content-type"]).toMatch(/^application\/problem\+json/);
    const problem = Problem.parse(JSON.parse(response.body ?? "{}"));
    expect(problem.code).toBe("oauth.subscribe_failed");
    expect(problem.detail).toMatch(/refused the webhook fields.*will not fix/);
    // Meta saw the one refused subscription call, and no account was left subscribed.
    const calls = h.sim.requests().filter((request) => request.path.endsWith("/subscribed_apps"));
    expect(calls.map((request) => request.method)).toEqual(["POST"]);
    expect(h.sim.subscriptions(ACCOUNTS.riviera.igId)).toEqual([]);

    expect(await h.storedIntegration(who)).toBeUndefined();
    const after = await tableItems(h.tableName);
    const added = after.filter((item) => !before.some((old) => JSON.stringify(old) === JSON.stringify(item)));
    // Whatever the spent flow left (its consumed state's traces, if any): no integration, no claim of the
    // account, and no item holding a token (the ticket that carried the sealed token is gone).
    for (const item of added) {
      const label = JSON.stringify({ pk: item.pk, sk: item.sk });
      expect(String(item.entity ?? ""), label).not.toMatch(/integration|claim/);
      expect(item, label).not.toHaveProperty("token");
      expect(JSON.stringify(item), label).not.toContain(ACCOUNTS.riviera.igId);
    }
  });

  it("the spent ticket cannot be replayed into a connection", async () => {
    const who = { imoId: "org-fields-2", userId: "user-fields-2" };
    const ticket = landing(await h.callback(await h.authorize(who))).searchParams.get("connect_ticket") ?? "";
    expect((await h.complete(who, ticket)).statusCode).toBe(502);
    const again = await h.complete(who, ticket);
    expect(again.statusCode).toBe(400);
    expect(await h.storedIntegration(who)).toBeUndefined();
  });
});
