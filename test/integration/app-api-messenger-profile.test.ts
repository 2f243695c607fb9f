import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ACCOUNT, type MetaSimulator, startMetaSimulator } from "../../dev/meta-simulator/index";
import { Problem } from "../../lambdas/contract/api/index";
import { Defaults } from "../../lambdas/contract/env";
import { Paths } from "../../lambdas/contract/routes";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { freshTable } from "../support/local-aws";
import { claimsOf, type HttpHandler, seedIntegration } from "../support/outbound-harness";

/**
 * Ice breakers and the persistent menu (docs/outbound.md, "Ice breakers and persistent menu"): applied through
 * the simulator's messenger_profile with the integration's token, shown back as Meta holds them, every limit
 * refused at the route with nothing sent to Meta.
 */
const SECOND = {
  igId: "17841400000000002",
  appScopedId: "26913384700000002",
  username: "second.shop",
  name: "Second Shop",
  accountType: "BUSINESS",
};
type Tenant = { imoId: string; userId: string };

let sim: MetaSimulator;
let tableName: string;
const h: Record<string, HttpHandler> = {};
let n = 0;

function call(
  name: "ice-breakers" | "menu",
  method: "GET" | "PUT" | "DELETE",
  tenant: Tenant,
  body?: unknown,
) {
  const route = name === "menu" ? Paths.menu : Paths.iceBreakers;
  return (h[`${name}-${method.toLowerCase()}`] as HttpHandler)(
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
const bodyOf = (r: { body?: string }) => JSON.parse(String(r.body));
const profileCalls = () => sim.requests().filter((r) => r.path.endsWith("/messenger_profile"));

async function connected(igAccountId = DEFAULT_ACCOUNT.igId) {
  n += 1;
  const tenant = { imoId: `imo-mp${n}`, userId: `user-mp${n}` };
  const token = sim.issueToken({ igAccountId });
  await seedIntegration(tableName, { token, tenant, igAccountId });
  return { tenant, token };
}

const breakers = (questions: number, locale = "default") => [
  {
    locale,
    questions: Array.from({ length: questions }, (_, i) => ({
      question: `Question ${i}?`,
      payload: `Q${i}`,
    })),
  },
];

beforeAll(async () => {
  sim = await startMetaSimulator({
    appId: FAKE.appId,
    appSecret: FAKE.igAppSecret,
    accounts: [DEFAULT_ACCOUNT, SECOND],
  });
  tableName = await freshTable();
  setHandlerEnv({ tableName, INSTAGRAM_GRAPH_URL: sim.url });
  for (const name of [
    "ice-breakers-get",
    "ice-breakers-put",
    "ice-breakers-delete",
    "menu-get",
    "menu-put",
    "menu-delete",
  ]) {
    h[name] = (await import(`../../lambdas/handlers/${name}.ts`)).handler as HttpHandler;
  }
});

afterAll(async () => {
  await sim.stop();
});

describe("ice breakers", () => {
  it("PUT applies them at Meta; GET shows exactly what Meta holds", async () => {
    const { tenant } = await connected();
    const iceBreakers = [
      ...breakers(4),
      { locale: "fr_FR", questions: [{ question: "Quels tarifs ? 🧵", payload: "PRICES" }] },
    ];
    const put = await call("ice-breakers", "PUT", tenant, { iceBreakers });
    expect(put.statusCode, put.body).toBe(200);
    expect(bodyOf(put)).toEqual({ iceBreakers });
    // Meta's shape, as the ice-breakers page documents it, with platform instagram.
    const post = profileCalls()
      .filter((r) => r.method === "POST")
      .at(-1);
    expect(post?.json).toEqual({
      platform: "instagram",
      ice_breakers: iceBreakers.map((e) => ({ locale: e.locale, call_to_actions: e.questions })),
    });
    expect(post?.hasBearer).toBe(true);
    expect(sim.messengerProfile().ice_breakers).toEqual(
      iceBreakers.map((e) => ({ locale: e.locale, call_to_actions: e.questions })),
    );
    const got = await call("ice-breakers", "GET", tenant);
    expect(got.statusCode).toBe(200);
    expect(bodyOf(got)).toEqual({ iceBreakers });
  });

  it("GET reads Meta, not a copy: none set is []; a change made at Meta directly shows", async () => {
    const { tenant, token } = await connected(SECOND.igId);
    expect(bodyOf(await call("ice-breakers", "GET", tenant))).toEqual({ iceBreakers: [] });
    const atMeta = [
      { locale: "default", call_to_actions: [{ question: "Set elsewhere?", payload: "ELSE" }] },
    ];
    const direct = await fetch(`${sim.url}/${Defaults.graphApiVersion}/me/messenger_profile`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ platform: "instagram", ice_breakers: atMeta }),
    });
    expect(direct.status).toBe(200);
    expect(bodyOf(await call("ice-breakers", "GET", tenant))).toEqual({
      iceBreakers: [{ locale: "default", questions: [{ question: "Set elsewhere?", payload: "ELSE" }] }],
    });
  });

  it.each([
    ["5 questions", { iceBreakers: breakers(5) }, "body.iceBreakers.0.questions"],
    [
      "an 81-character question",
      { iceBreakers: [{ locale: "default", questions: [{ question: "é".repeat(81), payload: "P" }] }] },
      "body.iceBreakers.0.questions.0.question",
    ],
    ["no default locale", { iceBreakers: breakers(1, "en_GB") }, "body.iceBreakers"],
    [
      "a malformed locale",
      { iceBreakers: [...breakers(1), ...breakers(1, "english")] },
      "body.iceBreakers.1.locale",
    ],
    ["a repeated locale", { iceBreakers: [...breakers(1), ...breakers(1)] }, "body.iceBreakers.1.locale"],
    [
      "a 1001-character payload",
      { iceBreakers: [{ locale: "default", questions: [{ question: "Q?", payload: "p".repeat(1001) }] }] },
      "body.iceBreakers.0.questions.0.payload",
    ],
    [
      "an empty question list",
      { iceBreakers: [{ locale: "default", questions: [] }] },
      "body.iceBreakers.0.questions",
    ],
    ["an unknown field", { iceBreakers: breakers(1), extra: true }, undefined],
  ])("%s: 400 naming the field, nothing sent to Meta, Meta's state unchanged", async (_name, body, field) => {
    const { tenant } = await connected();
    const held = sim.messengerProfile();
    const before = profileCalls().length;
    const result = await call("ice-breakers", "PUT", tenant, body);
    expect(result.statusCode, result.body).toBe(400);
    const problem = Problem.parse(bodyOf(result));
    expect(problem.code).toBe("request.invalid");
    if (field !== undefined) expect(JSON.stringify(problem)).toContain(`"${field}"`);
    expect(profileCalls().length).toBe(before);
    expect(sim.messengerProfile()).toEqual(held);
  });
});

describe("persistent menu", () => {
  const menu = [
    {
      locale: "default",
      items: [
        { type: "postback" as const, title: "Book a fitting", payload: "BOOK" },
        { type: "web_url" as const, title: "Price list", url: "https://example.com/prices" },
      ],
    },
  ];

  it("PUT then GET round-trips what Meta holds; ice breakers are kept", async () => {
    const { tenant } = await connected();
    await call("ice-breakers", "PUT", tenant, { iceBreakers: breakers(2) });
    const put = await call("menu", "PUT", tenant, { menu });
    expect(put.statusCode, put.body).toBe(200);
    expect(bodyOf(put)).toEqual({ menu });
    expect(sim.messengerProfile().persistent_menu).toEqual([
      { locale: "default", call_to_actions: menu[0]?.items },
    ]);
    expect(bodyOf(await call("menu", "GET", tenant))).toEqual({ menu });
    expect(bodyOf(await call("ice-breakers", "GET", tenant))).toEqual({ iceBreakers: breakers(2) });

    // DELETE removes one property at Meta (DELETE messenger_profile with fields); the other is kept.
    const removed = await call("menu", "DELETE", tenant);
    expect(removed.statusCode, removed.body).toBe(204);
    expect(
      profileCalls()
        .filter((r) => r.method === "DELETE")
        .at(-1)?.json,
    ).toEqual({
      fields: ["persistent_menu"],
    });
    expect(sim.messengerProfile().persistent_menu).toBeUndefined();
    expect(bodyOf(await call("menu", "GET", tenant))).toEqual({ menu: [] });
    expect(bodyOf(await call("ice-breakers", "GET", tenant))).toEqual({ iceBreakers: breakers(2) });
    expect((await call("ice-breakers", "DELETE", tenant)).statusCode).toBe(204);
    expect(sim.messengerProfile()).toEqual({});
  });

  it.each([
    [
      "21 items",
      Array.from({ length: 21 }, (_, i) => ({ type: "postback", title: `Item ${i}`, payload: `I${i}` })),
      "body.menu.0.items",
    ],
    [
      "a 31-character title",
      [{ type: "postback", title: "t".repeat(31), payload: "P" }],
      "body.menu.0.items.0.title",
    ],
    [
      "an http URL",
      [{ type: "web_url", title: "Prices", url: "http://example.com" }],
      "body.menu.0.items.0.url",
    ],
    ["a nested menu", [{ type: "nested", title: "More", call_to_actions: [] }], "body.menu.0.items.0.type"],
  ])("%s: 400 naming the field, nothing sent to Meta", async (_name, items, field) => {
    const { tenant } = await connected();
    const before = profileCalls().length;
    const result = await call("menu", "PUT", tenant, { menu: [{ locale: "default", items }] });
    expect(result.statusCode, result.body).toBe(400);
    expect(JSON.stringify(bodyOf(result))).toContain(`"${field}"`);
    expect(profileCalls().length).toBe(before);
  });
});

describe("whose profile", () => {
  it("each tenant reads and writes only its own account's; no integration is 409, Meta not called", async () => {
    const a = await connected();
    const b = await connected(SECOND.igId);
    await call("ice-breakers", "PUT", a.tenant, { iceBreakers: breakers(3) });
    await call("ice-breakers", "PUT", b.tenant, { iceBreakers: breakers(1) });
    expect(bodyOf(await call("ice-breakers", "GET", a.tenant)).iceBreakers).toEqual(breakers(3));
    expect(bodyOf(await call("ice-breakers", "GET", b.tenant)).iceBreakers).toEqual(breakers(1));
    expect(sim.messengerProfile(SECOND.igId).ice_breakers).toHaveLength(1);

    const before = profileCalls().length;
    const nobody = { imoId: a.tenant.imoId, userId: "colleague-without-integration" };
    for (const [name, method] of [
      ["ice-breakers", "GET"],
      ["ice-breakers", "PUT"],
      ["menu", "GET"],
      ["menu", "PUT"],
      ["ice-breakers", "DELETE"],
      ["menu", "DELETE"],
    ] as const) {
      const body =
        method === "PUT"
          ? name === "menu"
            ? { menu: [{ locale: "default", items: [{ type: "postback", title: "x", payload: "x" }] }] }
            : { iceBreakers: breakers(1) }
          : undefined;
      const result = await call(name, method, nobody, body);
      expect(result.statusCode).toBe(409);
      expect(Problem.parse(bodyOf(result)).code).toBe("integration.not_connected");
    }
    expect(profileCalls().length).toBe(before);
    expect(bodyOf(await call("ice-breakers", "GET", a.tenant)).iceBreakers).toEqual(breakers(3));
  });

  it("needs_reauth integration: 409 without calling Meta; a token Meta refuses: 409 needs_reauth, no token in the answer", async () => {
    n += 1;
    const stale = { imoId: `imo-mp${n}`, userId: `user-mp${n}` };
    await seedIntegration(tableName, { token: sim.issueToken(), tenant: stale, status: "needs_reauth" });
    const before = profileCalls().length;
    const r1 = await call("ice-breakers", "GET", stale);
    expect(r1.statusCode).toBe(409);
    expect(Problem.parse(bodyOf(r1)).code).toBe("integration.needs_reauth");
    expect(profileCalls().length).toBe(before);

    const { tenant, token } = await connected();
    sim.invalidateToken(token);
    for (const [name, method, body] of [
      ["ice-breakers", "GET", undefined],
      ["ice-breakers", "PUT", { iceBreakers: breakers(1) }],
      ["menu", "GET", undefined],
      ["menu", "DELETE", undefined],
    ] as const) {
      const result = await call(name, method, tenant, body);
      expect(result.statusCode, result.body).toBe(409);
      expect(Problem.parse(bodyOf(result)).code).toBe("integration.needs_reauth");
      expect(String(result.body)).not.toContain(token);
    }
  });
});
