import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ACCOUNT, type MetaSimulator, startMetaSimulator } from "../../dev/meta-simulator/index";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { Paths } from "../../lambdas/contract/routes";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { freshTable } from "../support/local-aws";
import { claimsOf, type HttpHandler, readItem, seedIntegration } from "../support/outbound-harness";

/**
 * Issue 16, what a disconnect leaves at Meta: ice breakers and the persistent menu stay on the account after the app
 * is gone (R24) and their taps would reach nobody. A disconnect through our API removes both with the token it
 * still holds, before the webhook unsubscribe; Meta refusing never fails the disconnect; an account another
 * organisation still has connected keeps its profile (it is the account's, whoever set it).
 */
type Tenant = { imoId: string; userId: string };

let sim: MetaSimulator;
let tableName: string;
const h: Record<string, HttpHandler> = {};
let n = 0;

const iceBreakers = [{ locale: "default", questions: [{ question: "Prices?", payload: "PRICES" }] }];
const menu = [{ locale: "default", items: [{ type: "postback", title: "Book", payload: "BOOK" }] }];

function call(name: string, method: "GET" | "PUT" | "DELETE", route: string, tenant: Tenant, body?: unknown) {
  return (h[name] as HttpHandler)(
    httpEvent({
      method,
      route,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      claims: claimsOf(tenant),
    }),
    lambdaContext(),
  );
}

/** A connected tenant on the default account whose ice breakers and menu are set at Meta through our routes. */
async function withProfile(): Promise<Tenant> {
  n += 1;
  const tenant = { imoId: `imo-dp${n}`, userId: `user-dp${n}` };
  await seedIntegration(tableName, { token: sim.issueToken(), tenant });
  expect((await call("ice-breakers-put", "PUT", Paths.iceBreakers, tenant, { iceBreakers })).statusCode).toBe(
    200,
  );
  expect((await call("menu-put", "PUT", Paths.menu, tenant, { menu })).statusCode).toBe(200);
  expect(Object.keys(sim.messengerProfile(DEFAULT_ACCOUNT.igId)).sort()).toEqual([
    "ice_breakers",
    "persistent_menu",
  ]);
  return tenant;
}

const disconnect = (tenant: Tenant) => call("integration-delete", "DELETE", "/instagram/integration", tenant);

beforeAll(async () => {
  sim = await startMetaSimulator({ appId: FAKE.appId, appSecret: FAKE.igAppSecret });
  tableName = await freshTable();
  setHandlerEnv({ tableName, INSTAGRAM_GRAPH_URL: sim.url });
  for (const name of ["ice-breakers-put", "menu-put", "integration-delete"]) {
    h[name] = (await import(`../../lambdas/handlers/${name}.ts`)).handler as HttpHandler;
  }
});

afterAll(async () => {
  await sim.stop();
});

describe("disconnect removes ice breakers and the persistent menu at Meta", () => {
  it("clears both with the still-valid token, before the webhook unsubscribe; Meta's profile is empty after", async () => {
    const tenant = await withProfile();
    const before = sim.requests().length;
    expect((await disconnect(tenant)).statusCode).toBe(204);
    expect(sim.messengerProfile(DEFAULT_ACCOUNT.igId)).toEqual({});
    const calls = sim.requests().slice(before);
    const deletes = calls
      .filter((r) => r.method === "DELETE")
      .map((r) => [r.path.split("/").at(-1), r.json, r.status]);
    expect(deletes).toEqual([
      ["messenger_profile", { fields: ["ice_breakers"] }, 200],
      ["messenger_profile", { fields: ["persistent_menu"] }, 200],
      ["subscribed_apps", undefined, 200],
    ]);
    expect(await readItem(tableName, Keys.integration(tenant.imoId, tenant.userId))).toMatchObject({
      status: "revoked",
    });
    // A second disconnect has nothing left to do at Meta.
    const again = sim.requests().length;
    expect((await disconnect(tenant)).statusCode).toBe(204);
    expect(sim.requests().length).toBe(again);
  });

  it("Meta refusing the profile removal never fails the disconnect", async () => {
    const tenant = await withProfile();
    sim.injectFault({ kind: "server_error", target: "messenger_profile", count: "always" });
    try {
      const response = await disconnect(tenant);
      expect(response.statusCode).toBe(204);
    } finally {
      sim.clearFaults();
    }
    const item = await readItem(tableName, Keys.integration(tenant.imoId, tenant.userId));
    expect(item).toMatchObject({ status: "revoked" });
    expect(item?.token).toBeUndefined();
    // What Meta refused is still there (logged as not removed); the unsubscribe still went out.
    expect(Object.keys(sim.messengerProfile(DEFAULT_ACCOUNT.igId)).length).toBeGreaterThan(0);
    expect(sim.subscriptions(DEFAULT_ACCOUNT.igId)).toEqual([]);
  });

  it("an account another organisation still has connected keeps its profile", async () => {
    const leaving = await withProfile();
    const staying = { imoId: "imo-dp-stay", userId: "user-dp-stay" };
    await seedIntegration(tableName, { token: sim.issueToken(), tenant: staying });
    const before = sim.requests().length;
    expect((await disconnect(leaving)).statusCode).toBe(204);
    expect(Object.keys(sim.messengerProfile(DEFAULT_ACCOUNT.igId)).sort()).toEqual([
      "ice_breakers",
      "persistent_menu",
    ]);
    expect(
      sim
        .requests()
        .slice(before)
        .filter((r) => r.path.endsWith("/messenger_profile")),
    ).toEqual([]);
  });
});
