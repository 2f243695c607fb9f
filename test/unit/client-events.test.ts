import { Webhook } from "standardwebhooks";
import { describe, expect, expectTypeOf, it } from "vitest";
import type * as z from "zod";
import { type InstagramDmEvent, verifyWebhook } from "../../client/src/events";
import { webhookPoster } from "../../lambdas/adapters/events/webhook-sender";
import type { AppEvent } from "../../lambdas/contract/events";

const SECRET = `whsec_${Buffer.from("client-events-test-secret-32-bytes!").toString("base64")}`;

const event: AppEvent = {
  specVersion: 1,
  id: "evt_0123456789abcdef0123456789abcdef",
  type: "data_deletion.completed",
  occurredAt: "2026-11-29T18:00:00.000Z",
  imoId: "*",
  data: { confirmationCode: "C1" },
};

describe("the client's event types and verifyWebhook", () => {
  it("the client's event union is the contract's (a drift fails typecheck)", () => {
    expectTypeOf<AppEvent>().toExtend<InstagramDmEvent>();
    expectTypeOf<InstagramDmEvent["type"]>().toEqualTypeOf<AppEvent["type"]>();
    expectTypeOf<
      z.infer<typeof import("../../lambdas/contract/events").AppEvent>
    >().toExtend<InstagramDmEvent>();
  });

  it("verifies what the backend's poster signs, and refuses a tampered body or another secret", async () => {
    let captured: { headers: Record<string, string>; body: string } | undefined;
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (_url: string, init: RequestInit) => {
      captured = { headers: init.headers as Record<string, string>, body: String(init.body) };
      return new Response(null, { status: 204 });
    }) as typeof fetch;
    try {
      expect(await webhookPoster("https://app.example.com/hooks", SECRET)(event)).toBe(204);
    } finally {
      globalThis.fetch = realFetch;
    }
    if (!captured) throw new Error("nothing posted");
    expect(verifyWebhook(captured.headers, captured.body, SECRET)).toEqual(event);
    expect(() =>
      verifyWebhook(captured?.headers ?? {}, captured?.body.replace("C1", "C2") ?? "", SECRET),
    ).toThrow();
    const other = `whsec_${Buffer.from("a-different-secret-of-32-bytes!!").toString("base64")}`;
    expect(() => verifyWebhook(captured?.headers ?? {}, captured?.body ?? "", other)).toThrow();
    expect(new Webhook(SECRET).verify(captured.body, captured.headers)).toMatchObject({ type: event.type });
  });
});
