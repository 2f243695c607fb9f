import { describe, expect, it } from "vitest";
import type { JwtHandlerName } from "../../lambdas/contract/routes";
import { json } from "../../lambdas/http/responses";
import { appRoute } from "../../lambdas/http/route";
import { tenant } from "../../lambdas/middleware/tenant";
import { httpEvent, lambdaContext } from "../support/http-event";

// The default claim names (JWT_USER_ID_CLAIM / JWT_ORG_ID_CLAIM unset).
const CLAIMS = { sub: "user-1", imo_id: "imo-1" };

describe("tenant middleware, driven by the route's declared auth", () => {
  it("puts the caller's tenant from the JWT claims on the context of an app route", async () => {
    const handler = appRoute("message-get", async (_event, { tenant }) => json(200, tenant));
    const result = await handler(
      httpEvent({ method: "GET", route: "/instagram/messages/{messageId}", claims: CLAIMS }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(String(result.body))).toEqual({ userId: "user-1", imoId: "imo-1" });
  });

  it("answers 401 problem+json, without running the handler, when the claims are missing", async () => {
    let ran = false;
    const handler = appRoute("conversations-list", async () => {
      ran = true;
      return json(200, {});
    });
    const result = await handler(
      httpEvent({ method: "GET", route: "/instagram/conversations", claims: { sub: "user-1" } }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(String(result.body)).code).toBe("auth.unauthorized");
    expect(ran).toBe(false);
  });

  it("refuses to be built for a route the contract declares public (no verified claims to trust)", () => {
    const claimNames = { userId: "sub", imoId: "imo_id" };
    expect(() => tenant("webhook-receive" as JwtHandlerName, claimNames)).toThrow(
      /not declared with auth "jwt"/,
    );
    expect(() => tenant("oauth-init", claimNames)).not.toThrow();
  });
});
