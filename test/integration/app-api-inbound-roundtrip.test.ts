import { beforeAll, describe, expect, it } from "vitest";
import { authorizeEvent, createLocalIssuer, type LocalIssuer } from "../../dev/local-auth/index";
import { metaJson, signMetaBody } from "../../dev/meta-simulator/signing";
import {
  batch,
  customerAttachments,
  customerText,
  echo,
  messageEdit,
  reaction,
  read,
  unsend,
  type WebhookPayload,
} from "../../dev/meta-simulator/webhook-payloads";
import { ConversationsPage, MessagesPage } from "../../lambdas/contract/api/index";
import { Paths } from "../../lambdas/contract/routes";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { putIntegration } from "../support/integrations";
import { freshTable } from "../support/local-aws";

/**
 * The read side reads exactly what the inbound side writes: deliveries go in through the real webhook
 * handler (signed as Meta signs them) and come out through the app routes.
 */
type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const ACCOUNT = "17841400000000777";
const IGSID = "1234567890123456789"; // beyond 2^53: must survive as a string
const tenant = { imoId: "org-rt", userId: "agent-1" };
let webhook: Handler;
let list: Handler;
let messages: Handler;
let auth: LocalIssuer;

async function deliver(payload: WebhookPayload): Promise<void> {
  const body = metaJson(payload);
  const result = await webhook(
    httpEvent({
      method: "POST",
      route: Paths.webhook,
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": signMetaBody(body, FAKE.igAppSecret),
      },
      body,
    }),
    lambdaContext(),
  );
  expect(result.statusCode).toBe(200);
}

async function get(handler: Handler, input: Parameters<typeof httpEvent>[0]): Promise<unknown> {
  const token = await auth.issueDevToken({ sub: tenant.userId, imo_id: tenant.imoId });
  const event = await authorizeEvent(httpEvent({ ...input, headers: { authorization: `Bearer ${token}` } }), {
    issuer: auth.issuer,
    audience: auth.audience,
    jwks: auth.jwks,
  });
  const result = await handler(event, lambdaContext());
  expect(result.statusCode).toBe(200);
  return JSON.parse(String(result.body));
}

beforeAll(async () => {
  const tableName = await freshTable();
  setHandlerEnv({ tableName });
  auth = await createLocalIssuer();
  await putIntegration(tableName, {
    ...tenant,
    igAccountId: ACCOUNT,
    appScopedUserId: "26000000000000777",
    username: "roundtrip_shop",
    connectedAt: Date.now(),
    updatedAt: Date.now(),
  });
  webhook = (await import("../../lambdas/handlers/webhook-receive")).handler as Handler;
  list = (await import("../../lambdas/handlers/conversations-list")).handler as Handler;
  messages = (await import("../../lambdas/handlers/conversation-messages")).handler as Handler;
});

describe("webhook in, app API out", () => {
  it("shows a thread with its window, edits, reactions, unsends, echoes and read receipts", async () => {
    const t = Date.now() - 60 * 60 * 1000; // an hour ago: the window is open
    const p = { igAccountId: ACCOUNT, igsid: IGSID };
    await deliver(
      batch(
        customerText({ ...p, timestamp: t, mid: "mid_1", text: "Hi, is this in stock?" }),
        customerAttachments({
          ...p,
          timestamp: t + 1000,
          mid: "mid_2",
          attachments: [
            { type: "image", url: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1&oe=7FFFFFFF" },
          ],
        }),
        customerText({ ...p, timestamp: t + 2000, mid: "mid_3", text: "oops" }),
      ),
    );
    await deliver(
      messageEdit({ ...p, timestamp: t + 3000, mid: "mid_1", text: "Hi, is the blue one in stock?" }),
    );
    await deliver(unsend({ ...p, timestamp: t + 4000, mid: "mid_3" }));
    await deliver(echo({ ...p, timestamp: t + 5000, mid: "mid_4", text: "Yes, it is!" }));
    await deliver(reaction({ ...p, timestamp: t + 6000, mid: "mid_4", reaction: "love" }));
    await deliver(read({ ...p, timestamp: t + 7000, mid: "mid_4" }));

    const inbox = ConversationsPage.parse(await get(list, { method: "GET", route: Paths.conversations }));
    expect(inbox.items).toHaveLength(1);
    const conversation = inbox.items[0];
    expect(conversation).toMatchObject({
      conversationId: `${ACCOUNT}_${IGSID}`,
      participant: { igsid: IGSID },
      lastMessageDirection: "outbound",
      window: { state: "open", closesAt: new Date(t + 2000 + 24 * 3600 * 1000).toISOString() },
    });

    const thread = MessagesPage.parse(
      await get(messages, {
        method: "GET",
        route: Paths.conversationMessages,
        path: `/instagram/conversations/${ACCOUNT}_${IGSID}/messages`,
        pathParameters: { conversationId: `${ACCOUNT}_${IGSID}` },
      }),
    );
    const byMid = Object.fromEntries(thread.items.map((m) => [m.messageId, m]));
    expect(thread.items.map((m) => m.messageId)).toEqual(["mid_4", "mid_3", "mid_2", "mid_1"]);
    expect(byMid.mid_1).toMatchObject({ type: "text", text: "Hi, is the blue one in stock?", editCount: 1 });
    expect(byMid.mid_2).toMatchObject({ type: "attachment", attachments: [{ type: "image" }] });
    expect(byMid.mid_3).toMatchObject({ type: "deleted", deleted: true });
    expect(byMid.mid_3?.text).toBeUndefined();
    expect(byMid.mid_4).toMatchObject({
      direction: "outbound",
      source: "echo",
      text: "Yes, it is!",
      readAt: new Date(t + 7000).toISOString(),
      seenByCustomerAt: new Date(t + 7000).toISOString(),
      reactions: [{ by: IGSID, reaction: "love" }],
    });
    // Only our messages are "seen by the customer".
    expect(byMid.mid_1?.seenByCustomerAt).toBeUndefined();
  });
});
