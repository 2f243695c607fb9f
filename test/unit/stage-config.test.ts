import { describe, expect, it } from "vitest";
import { parseStageConfig } from "../../lib/stage-config";

const valid = {
  jwtIssuer: "https://auth.example.com/",
  jwtAudience: ["api"],
  returnToOrigins: ["https://app.example.com"],
};

describe("stage config", () => {
  it("fills defaults, including the guide's 200 DMs per hour", () => {
    const config = parseStageConfig("dev", valid);
    expect(config).toMatchObject({
      stageName: "dev",
      sendCapPerHour: 200,
      jwtUserIdClaim: "sub",
      humanAgentEnabled: false,
      tokenRefreshWindowDays: 10,
    });
  });

  it("login flavours: Instagram Login only by default; facebook when listed; anything else refused", () => {
    expect(parseStageConfig("dev", valid).loginFlavours).toEqual(["instagram"]);
    expect(parseStageConfig("dev", valid).facebookOauthScopes).toContain("pages_messaging");
    expect(
      parseStageConfig("dev", { ...valid, loginFlavours: ["instagram", "facebook"] }).loginFlavours,
    ).toEqual(["instagram", "facebook"]);
    expect(() => parseStageConfig("dev", { ...valid, loginFlavours: ["threads"] })).toThrow(/loginFlavours/);
    expect(() => parseStageConfig("dev", { ...valid, loginFlavours: [] })).toThrow(/loginFlavours/);
    expect(() => parseStageConfig("dev", { ...valid, facebookOauthScopes: "a b" })).toThrow(
      /facebookOauthScopes/,
    );
  });

  it("names every problem at once", () => {
    expect(() =>
      parseStageConfig("prod", {
        jwtIssuer: "http://insecure",
        jwtAudience: [],
        returnToOrigins: ["https://a.com/path"],
        sendCapPerHour: 0,
        tokenRefreshWindowDays: 60,
      }),
    ).toThrow(
      /jwtIssuer must be an https URL; jwtAudience.*; returnToOrigins.*; sendCapPerHour.*; tokenRefreshWindowDays/,
    );
  });

  it("throttles Meta's callbacks below the webhook by default, and refuses a malformed route throttle", () => {
    const { publicRouteThrottle } = parseStageConfig("dev", valid);
    expect(publicRouteThrottle.callbacks.rateLimit).toBeLessThan(publicRouteThrottle.webhook.rateLimit);
    expect(() =>
      parseStageConfig("dev", {
        ...valid,
        publicRouteThrottle: { webhook: { rateLimit: 50, burstLimit: 100 } },
      }),
    ).toThrow(/publicRouteThrottle\.callbacks must be/);
    expect(() =>
      parseStageConfig("dev", {
        ...valid,
        publicRouteThrottle: {
          webhook: { rateLimit: 0, burstLimit: 1 },
          callbacks: { rateLimit: 1, burstLimit: 2 },
        },
      }),
    ).toThrow(/publicRouteThrottle\.webhook must be/);
  });

  it("refuses a stage that is not declared", () => {
    expect(() => parseStageConfig("qa", undefined)).toThrow(/no entry for stage "qa"/);
  });
});
