import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metaJson, signMetaBody } from "../../dev/meta-simulator/signing";
import { batch, customerText, type WebhookPayload } from "../../dev/meta-simulator/webhook-payloads";
import {
  type DynamoDbLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
} from "../../dev/services/dynamodb-local";
import { freePort } from "../../dev/services/free-port";
import { createTable } from "../../dev/services/provision";
import { Paths } from "../../lambdas/contract/routes";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { FAKE } from "../support/fake-secrets";
import { setHandlerEnv } from "../support/handler-env";
import { httpEvent, lambdaContext } from "../support/http-event";
import { putIntegration } from "../support/integrations";
import { scanTable } from "../support/table-scan";

/**
 * Storage outage: this file runs its own DynamoDB Local on a fixed port with a persisted database, so it can
 * stop it while webhooks arrive and start it again with the same endpoint and data. Deliveries during the
 * outage must be answered 5xx (Meta retries them); once storage is back, Meta's replays of the same deliveries
 * must leave every event stored exactly once, with conversations counting each message once.
 */
type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

const IG_ACCOUNT = "17841400000000099";
const IMO = "outage-org";
const CUSTOMERS = ["3416870925138801", "3416870925138802", "3416870925138803"];
const T0 = Date.now() - 60 * 60_000;
const tableName = "outage-table";

let persistPath: string;
let port: number;
let dynamo: DynamoDbLocal | undefined;
let db: DynamoDBDocumentClient;
let handler: Handler;

interface Delivery {
  readonly body: string;
  readonly signature: string;
  readonly events: { mid: string; igsid: string; text: string; timestamp: number }[];
}

let sequence = 0;
/** A signed delivery of `size` customer texts, spread over the customers. */
function delivery(size: number): Delivery {
  const events = Array.from({ length: size }, () => {
    sequence += 1;
    return {
      mid: `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3outage${String(sequence).padStart(8, "0")}ZDZD`,
      igsid: CUSTOMERS[sequence % CUSTOMERS.length] ?? "",
      text: `outage message ${sequence}`,
      timestamp: T0 + sequence * 1_000,
    };
  });
  const payloads: WebhookPayload[] = events.map((e) =>
    customerText({
      igAccountId: IG_ACCOUNT,
      igsid: e.igsid,
      timestamp: e.timestamp,
      mid: e.mid,
      text: e.text,
    }),
  );
  const body = metaJson(batch(...payloads));
  return { body, signature: signMetaBody(body, FAKE.igAppSecret), events };
}

function post(d: Delivery): Promise<HttpResult> {
  return handler(
    httpEvent({
      method: "POST",
      route: Paths.webhook,
      headers: { "content-type": "application/json", "x-hub-signature-256": d.signature },
      body: d.body,
    }),
    lambdaContext("webhook-receive"),
  );
}

async function startStorage(): Promise<void> {
  dynamo = await startDynamoDbLocal({ port, persistPath });
}

async function stopStorage(): Promise<void> {
  await dynamo?.stop();
  dynamo = undefined;
}

function allItems(): Promise<Record<string, unknown>[]> {
  return scanTable(tableName, db);
}

beforeAll(async () => {
  persistPath = mkdtempSync(join(tmpdir(), "outage-dynamodb-"));
  port = await freePort();
  await startStorage();
  const endpoint = `http://127.0.0.1:${port}`;
  // This file's handler talks to this file's DynamoDB Local, not the shared one of the test run.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  const low = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  db = DynamoDBDocumentClient.from(low);
  await createTable(low, tableName);
  await putIntegration(
    tableName,
    {
      imoId: IMO,
      userId: "outage-user",
      igAccountId: IG_ACCOUNT,
      appScopedUserId: "27000000000000099",
      username: "outage_shop",
      connectedAt: T0,
      updatedAt: T0,
    },
    db,
  );
  setHandlerEnv({ tableName });
  ({ handler } = (await import("../../lambdas/handlers/webhook-receive")) as { handler: Handler });
});

afterAll(async () => {
  await stopStorage();
  db?.destroy();
  if (persistPath) rmSync(persistPath, { recursive: true, force: true });
});

// Pending piece while it is the placeholder: lambdas/handlers/webhook-receive.ts (inbound issue 3).
describe("storage outage while webhooks arrive", () => {
  it("answers 5xx while DynamoDB is down; replays after the restart store every event exactly once", async () => {
    const deliveries = [1, 1, 3, 10, 1, 25, 2, 1, 50, 5].map(delivery);
    const big = delivery(300);

    // Storage up: the first deliveries are stored.
    for (const d of deliveries.slice(0, 3)) expect((await post(d)).statusCode).toBe(200);

    // Storage down: every delivery (including repeats of stored ones) is answered 5xx so Meta retries.
    await stopStorage();
    for (const d of deliveries) {
      const response = await post(d);
      expect(response.statusCode).toBeGreaterThanOrEqual(500);
      expect(response.body ?? "").not.toContain(tableName);
    }

    // Storage back, then lost again in the middle of a 300-event delivery: some events may be written.
    await startStorage();
    const inFlight = post(big);
    await new Promise((resolve) => setTimeout(resolve, 40));
    await stopStorage();
    const midOutage = await inFlight;
    expect([200, 500, 502, 503, 504]).toContain(midOutage.statusCode);

    // Storage back with the same endpoint and data: Meta replays everything, some deliveries twice.
    await startStorage();
    for (const d of [...deliveries, big, ...deliveries.slice(4, 7), big]) {
      expect((await post(d)).statusCode).toBe(200);
    }

    const items = await allItems();
    const expected = [...deliveries, big].flatMap((d) => d.events);
    const messages = items.filter((i) => i.entity === "message");
    // Exactly once: one message item per mid, none missing, none extra, content intact.
    expect(messages).toHaveLength(expected.length);
    const byMid = new Map(messages.map((m) => [m.mid, m]));
    for (const event of expected) {
      expect(byMid.get(event.mid), event.mid).toMatchObject({
        text: event.text,
        igsid: event.igsid,
        direction: "inbound",
      });
    }
    // Conversations count each message once and keep the latest customer message as the window's anchor.
    const conversations = items.filter((i) => i.entity === "conversation");
    expect(conversations).toHaveLength(CUSTOMERS.length);
    for (const igsid of CUSTOMERS) {
      const mine = expected.filter((e) => e.igsid === igsid);
      const conversation = conversations.find((c) => c.igsid === igsid);
      expect(conversation?.unreadCount, `unread count of ${igsid}`).toBe(mine.length);
      expect(conversation?.lastCustomerMessageAt).toBe(Math.max(...mine.map((e) => e.timestamp)));
    }
  });
});
