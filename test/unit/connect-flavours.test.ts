import { describe, expect, it } from "vitest";
import { type OAuthSettings, startConnect } from "../../lambdas/domain/connect/oauth-start";
import type { OAuthStateRecord, OAuthStateStore } from "../../lambdas/domain/connect/ports";
import { AppError } from "../../lambdas/domain/errors";
import { metaTargetOf } from "../../lambdas/domain/integration";

/** Issue 17: which flavour a stage offers at `oauth/init`, and where per-integration Meta calls go. */
const tenant = { imoId: "org", userId: "alice" };
const settings: OAuthSettings = {
  oauthUrl: "https://www.instagram.com",
  appId: "990602627938098",
  redirectUri: "https://api.example.test/instagram/oauth/callback",
  scopes: ["instagram_business_basic", "instagram_business_manage_messages"],
  allowedOrigins: ["https://app.example.com"],
};
const facebook = {
  dialogUrl: "https://www.facebook.com",
  graphVersion: "v25.0",
  appId: "1234567890123456",
  scopes: ["instagram_basic", "pages_messaging"],
};

function memoryStates(): OAuthStateStore & { records: OAuthStateRecord[] } {
  const records: OAuthStateRecord[] = [];
  return { records, put: async (record) => void records.push(record), consume: async () => undefined };
}

const start = (s: OAuthSettings, flavour: "instagram" | "facebook", states = memoryStates()) =>
  startConnect(
    tenant,
    "https://app.example.com/settings",
    { states, settings: s, now: () => 1_000 },
    flavour,
  );

describe("login flavours at oauth/init", () => {
  it("facebook: the versioned Facebook dialog with the Facebook app and scopes; the state remembers the flavour", async () => {
    const states = memoryStates();
    const started = await start(
      { ...settings, enabledFlavours: ["instagram", "facebook"], facebook },
      "facebook",
      states,
    );
    const url = new URL(started.authorizationUrl);
    expect(`${url.origin}${url.pathname}`).toBe("https://www.facebook.com/v25.0/dialog/oauth");
    expect(url.searchParams.get("client_id")).toBe(facebook.appId);
    expect(url.searchParams.get("scope")).toBe("instagram_basic,pages_messaging");
    expect(url.searchParams.get("response_type")).toBe("code");
    expect(states.records[0]).toMatchObject({ loginFlavour: "facebook", imoId: "org", userId: "alice" });
  });

  it("a flavour the stage does not enable (or facebook without the Facebook app) is refused, nothing stored", async () => {
    for (const [s, flavour] of [
      [{ ...settings, facebook }, "facebook"],
      [{ ...settings, enabledFlavours: ["instagram", "facebook"] }, "facebook"],
      [{ ...settings, enabledFlavours: ["facebook"], facebook }, "instagram"],
    ] as const) {
      const states = memoryStates();
      const refused = await start(s, flavour, states).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).code).toBe("oauth.flavour_disabled");
      expect(states.records).toEqual([]);
    }
  });

  it("instagram stays the default and stores no flavour (states read before the field existed mean instagram)", async () => {
    const states = memoryStates();
    const started = await start(settings, "instagram", states);
    expect(new URL(started.authorizationUrl).origin).toBe("https://www.instagram.com");
    expect(states.records[0]?.loginFlavour).toBeUndefined();
  });
});

describe("the Meta target of an integration", () => {
  it("Instagram Login: the account on graph.instagram.com; Facebook Login: the Page on graph.facebook.com", () => {
    expect(metaTargetOf({ igAccountId: "1784" })).toEqual({ host: "instagram", nodeId: "1784" });
    expect(
      metaTargetOf({ igAccountId: "1784", loginFlavour: "facebook", page: { id: "1049", name: "Shop" } }),
    ).toEqual({ host: "facebook", nodeId: "1049" });
  });
});
