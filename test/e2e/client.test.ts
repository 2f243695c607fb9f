import { createInstagramDmClient, type InstagramDmClient, InstagramDmError } from "@instagram-dm/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allowOnConsentPage, allowOnFacebookDialog } from "../support/e2e/consent";
import { call, eventually } from "../support/e2e/http";
import { type LocalModeProcess, startLocalModeProcess } from "../support/e2e/local-mode-process";

/**
 * The app team's client against the real thing: `npm run dev`, then every app route through
 * `createInstagramDmClient` only (dev tokens and the simulated customer go through local-only routes, as they
 * would come from the identity provider and Meta). The steps build on each other and run in order.
 */
describe("the typed client against local mode", () => {
  let local: LocalModeProcess;
  let dm: InstagramDmClient;
  let igAccountId: string;
  let conversationId: string;
  const customers = ["3416870925138842", "3416870925138843"];

  beforeAll(async () => {
    local = await startLocalModeProcess();
    const issued = await call(local.url, "POST", "/dev/token", { json: { userId: "app-1", imoId: "imo-9" } });
    const token: string = issued.body.token;
    dm = createInstagramDmClient({ baseUrl: local.url, getToken: () => token });
  }, 120_000);

  afterAll(async () => {
    await local?.interrupt();
  }, 30_000);

  it("connects in two steps: startConnect, Allow, then completeConnect with the landing's ticket", async () => {
    expect(await dm.getIntegration()).toEqual({ status: "none" });
    const { authorizationUrl, expiresAt } = await dm.startConnect({ returnTo: `${local.url}/` });
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    const outcome = await allowOnConsentPage(authorizationUrl);
    expect(outcome.ticket, local.output()).toBeDefined();
    expect(await dm.getIntegration()).toEqual({ status: "none" }); // the callback alone connects nothing
    // Another user's client cannot redeem it: a typed error, and the ticket stays for its owner.
    const other = await call(local.url, "POST", "/dev/token", { json: { userId: "app-2", imoId: "imo-9" } });
    const intruder = createInstagramDmClient({ baseUrl: local.url, getToken: () => other.body.token });
    await expect(intruder.completeConnect(outcome.ticket ?? "")).rejects.toMatchObject({
      status: 400,
      code: "oauth.ticket_invalid",
    });
    expect(await dm.completeConnect(outcome.ticket ?? "")).toMatchObject({ status: "connected" });
    await expect(dm.completeConnect(outcome.ticket ?? "")).rejects.toMatchObject({
      code: "oauth.ticket_invalid",
    });
    const integration = await dm.getIntegration();
    expect(integration).toMatchObject({ status: "connected", username: "riviera.linen.studio" });
    if (integration.status === "none") throw new Error("not connected");
    igAccountId = integration.igAccountId;
  });

  it("lists simulated customer DMs, walking every page with the async iterator", async () => {
    for (const [index, igsid] of customers.entries()) {
      const delivered = await call(local.url, "POST", "/dev/simulator/customer-message", {
        json: { igAccountId, igsid, text: `Hello from customer ${index}` },
      });
      expect(delivered.body.delivery?.status, local.output()).toBe(200);
    }
    const firstPage = await dm.listConversations({ limit: 1 });
    expect(firstPage.items).toHaveLength(1);
    expect(firstPage.nextCursor).toBeDefined();

    const seen: string[] = [];
    for await (const conversation of dm.conversations({ limit: 1 })) {
      seen.push(conversation.participant.igsid);
      expect(conversation.window.state).toBe("open");
    }
    expect(seen.sort()).toEqual([...customers].sort());

    const conversation = (await dm.listConversations()).items.find(
      (item) => item.participant.igsid === customers[0],
    );
    conversationId = conversation?.conversationId ?? "";
    const messages = [];
    for await (const message of dm.messages(conversationId)) messages.push(message);
    expect(messages).toMatchObject([{ direction: "inbound", text: "Hello from customer 0" }]);
  });

  it("sends with an automatic idempotency key, reads the status to sent, and a repeated key sends once", async () => {
    const accepted = await dm.sendMessage({ conversationId, text: "Yes, we have it in M." });
    expect(accepted.status).toBe("queued");
    const sent = await eventually(
      async () => {
        const status = await dm.getMessage(accepted.messageId);
        return status.status === "sent" || status.status === "failed" ? status : undefined;
      },
      { what: "the reply to be sent", timeoutMs: 60_000 },
    );
    expect(sent, local.output()).toMatchObject({ status: "sent", conversationId });
    expect(sent.mid).toBeDefined();

    const again = { conversationId, text: "Once only" };
    const first = await dm.sendMessage(again, { idempotencyKey: "client-e2e-1" });
    const repeated = await dm.sendMessage(again, { idempotencyKey: "client-e2e-1" });
    expect(repeated.messageId).toBe(first.messageId);
    const other = await dm.sendMessage(again);
    expect(other.messageId).not.toBe(first.messageId);

    const outbound = [];
    for await (const message of dm.messages(conversationId, { limit: 2 })) {
      if (message.direction === "outbound" && message.source === "api") outbound.push(message.messageId);
    }
    expect(outbound).toContain(accepted.messageId);
  });

  it("surfaces refused calls as InstagramDmError with the problem's code, status and detail", async () => {
    const invalid = await dm.sendMessage({ text: "to nobody" }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(InstagramDmError);
    expect(invalid).toMatchObject({ code: "request.invalid", status: 400 });
    expect((invalid as InstagramDmError).detail).toEqual(expect.any(String));

    const missing = await dm.getMessage("01HZZZZZZZZZZZZZZZZZZZZZZZ").catch((error: unknown) => error);
    expect(missing).toMatchObject({ code: "resource.not_found", status: 404 });

    const reused = await dm
      .sendMessage({ conversationId, text: "a different body" }, { idempotencyKey: "client-e2e-1" })
      .catch((error: unknown) => error);
    expect(reused).toMatchObject({ code: "idempotency.key_reused", status: 422 });

    const stranger = createInstagramDmClient({ baseUrl: local.url, getToken: () => "not-a-jwt" });
    const refused = await stranger.getIntegration().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InstagramDmError);
    expect(refused).toMatchObject({ code: "auth.unauthorized", status: 401 });
  });

  it("disconnects", async () => {
    await dm.disconnect();
    expect((await dm.getIntegration()).status).not.toBe("connected");
  });

  it("connects with the Facebook flavour (through a Page) and exchanges a DM both ways", async () => {
    const { authorizationUrl } = await dm.startConnect({
      returnTo: `${local.url}/`,
      loginFlavour: "facebook",
    });
    expect(new URL(authorizationUrl).pathname).toBe("/v25.0/dialog/oauth");
    const outcome = await allowOnFacebookDialog(authorizationUrl);
    expect(outcome.ticket, local.output()).toBeDefined();
    const connected = await dm.completeConnect(outcome.ticket ?? "");
    expect(connected).toMatchObject({
      status: "connected",
      loginFlavour: "facebook",
      page: { id: expect.any(String) },
    });
    const integration = await dm.getIntegration();
    if (integration.status === "none") throw new Error("not connected");

    // The customer writes; Meta delivers it signed with the Facebook app's secret (the Page is subscribed through it).
    const igsid = "3416870925138849";
    const delivered = await call(local.url, "POST", "/dev/simulator/customer-message", {
      json: { igAccountId: integration.igAccountId, igsid, text: "Hello via the Page" },
    });
    expect(delivered.body.delivery?.status, local.output()).toBe(200);
    const conversation = (await dm.listConversations()).items.find(
      (item) => item.participant.igsid === igsid,
    );
    expect(conversation?.lastMessagePreview).toBe("Hello via the Page");

    // And the reply goes out through the Page (graph.facebook.com, Page token).
    const accepted = await dm.sendMessage({
      conversationId: conversation?.conversationId ?? "",
      text: "Hi from the Page",
    });
    const sent = await eventually(
      async () => {
        const status = await dm.getMessage(accepted.messageId);
        return status.status === "sent" || status.status === "failed" ? status : undefined;
      },
      { what: "the Page reply to be sent", timeoutMs: 60_000 },
    );
    expect(sent, local.output()).toMatchObject({ status: "sent" });
  });
});
