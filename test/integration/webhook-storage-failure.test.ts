import { beforeAll, describe, expect, it } from "vitest";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { setHandlerEnv } from "../support/handler-env";
import { lambdaContext } from "../support/http-event";
import { fixtureText, webhookPost } from "../support/webhook-fixtures";

let handle: (event: HttpEvent) => Promise<HttpResult>;

beforeAll(async () => {
  // A table that does not exist: every DynamoDB call fails, as during an outage or a broken deployment.
  setHandlerEnv({ tableName: "webhook-table-that-does-not-exist" });
  const { handler } = await import("../../lambdas/handlers/webhook-receive");
  handle = (event) => handler(event, lambdaContext("webhook-receive"));
});

describe("storage failure", () => {
  it("a verified delivery that cannot be stored is answered 5xx (so Meta retries), with no internals", async () => {
    const response = await handle(webhookPost(fixtureText("ig-message-text.json")));
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body ?? "")).toMatchObject({ code: "internal", status: 500 });
    expect(response.body).not.toContain("webhook-table-that-does-not-exist");
  });
});
