import { createHmac, randomUUID } from "node:crypto";
import { DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { expect } from "vitest";
import { lambdaContext as localLambdaContext } from "../../dev/local-server/api-gateway";
import { succeededRecords, toSqsEvent } from "../../dev/local-server/sqs-event-source";
import {
  DEFAULT_ACCOUNT,
  type MetaSimulator,
  type SimAccount,
  type SimOptions,
  startMetaSimulator,
} from "../../dev/meta-simulator/index";
import { createErasureQueues } from "../../dev/services/provision";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { integrationFromItem } from "../../lambdas/adapters/dynamo/integration-item";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { Defaults } from "../../lambdas/contract/env";
import type { Integration } from "../../lambdas/domain/integration";
import { openToken, sealToken } from "../../lambdas/domain/token-seal";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { FAKE } from "./fake-secrets";
import { setHandlerEnv } from "./handler-env";
import { httpEvent, lambdaContext } from "./http-event";
import { putIntegration } from "./integrations";
import { TEST_KEYS, TEST_SECRETS } from "./keys";
import { freshTable, localSqs } from "./local-aws";

/** Test accounts on the simulator, besides its default (riviera.linen.studio, app-scoped 26913384755103422). */
export const ACCOUNTS = {
  riviera: DEFAULT_ACCOUNT,
  second: {
    igId: "17841400000000002",
    appScopedId: "26913384700000002",
    username: "second.shop",
    name: "Second Shop",
    accountType: "BUSINESS",
  },
  creator: {
    igId: "17841400000000003",
    appScopedId: "26913384700000003",
    username: "creator.one",
    name: "Creator One",
    accountType: "MEDIA_CREATOR",
  },
  personal: {
    igId: "17841400000000004",
    appScopedId: "26913384700000004",
    username: "just.me",
    name: "Just Me",
    accountType: "PERSONAL",
  },
} satisfies Record<string, SimAccount>;

export const APP_ORIGIN = "https://app.example.com";
export const RETURN_TO = `${APP_ORIGIN}/settings/instagram`;
export const PUBLIC_BASE_URL = "https://api.example.test";

type Handler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

export interface Tenant {
  readonly userId: string;
  readonly imoId: string;
}

/**
 * The connect handlers wired to the Meta simulator and a fresh DynamoDB Local table, with helpers that
 * drive the flow as a browser would: init → simulator consent → callback.
 */
export async function startConnectHarness(
  extraEnv: Record<string, string> = {},
  /** More simulator options (the Facebook app and people) and secret fields (test/support/facebook-connect.ts). */
  more: { sim?: Partial<SimOptions>; secretFields?: Record<string, string> } = {},
) {
  const sim: MetaSimulator = await startMetaSimulator({
    appId: FAKE.appId,
    appSecret: FAKE.igAppSecret,
    accounts: Object.values(ACCOUNTS),
    redirectUris: [`${PUBLIC_BASE_URL}/instagram/oauth/callback`],
    ...more.sim,
  });
  const tableName = await freshTable();
  const sqs = localSqs();
  const erasureQueue = await createErasureQueues(sqs, `test-erasure-${randomUUID().slice(0, 8)}`);
  setHandlerEnv(
    {
      tableName,
      ERASURE_QUEUE_URL: erasureQueue.queueUrl,
      INSTAGRAM_OAUTH_URL: sim.url,
      INSTAGRAM_API_URL: sim.url,
      INSTAGRAM_GRAPH_URL: sim.url,
      FACEBOOK_OAUTH_URL: sim.url,
      FACEBOOK_GRAPH_URL: sim.url,
      RETURN_TO_ORIGINS: `${APP_ORIGIN},http://localhost:5173`,
      PUBLIC_BASE_URL,
      ...extraEnv,
    },
    more.secretFields,
  );
  const handlers = {
    init: (await import("../../lambdas/handlers/oauth-init")).handler as Handler,
    callback: (await import("../../lambdas/handlers/oauth-callback")).handler as Handler,
    complete: (await import("../../lambdas/handlers/oauth-complete")).handler as Handler,
    get: (await import("../../lambdas/handlers/integration-get")).handler as Handler,
    remove: (await import("../../lambdas/handlers/integration-delete")).handler as Handler,
    deauthorize: (await import("../../lambdas/handlers/deauthorize")).handler as Handler,
    dataDeletion: (await import("../../lambdas/handlers/data-deletion")).handler as Handler,
    dataDeletionStatus: (await import("../../lambdas/handlers/data-deletion-status")).handler as Handler,
    erasure: (await import("../../lambdas/handlers/erasure")).handler as unknown as (
      event: SQSEvent,
      context: ReturnType<typeof lambdaContext>,
    ) => Promise<SQSBatchResponse>,
  };
  const db = documentClient();
  // Loaded after the environment is set: the logger reads its level (tests raise it) when first loaded.
  const { registerSecretValue } = await import("../../lambdas/platform/redaction");
  const { connectWiring, refreshPolicy } = await import("../../lambdas/wiring/connect");
  /** The connect flow's wiring as the handlers build it, for what no route exposes (the token refresh). */
  const wiring = connectWiring(
    {
      tableName,
      metaHosts: {
        oauthUrl: sim.url,
        apiUrl: sim.url,
        graphUrl: sim.url,
        graphVersion: Defaults.graphApiVersion,
        facebookOauthUrl: sim.url,
        facebookGraphUrl: sim.url,
      },
      returnToOrigins: `${APP_ORIGIN},http://localhost:5173`,
      oauthScopes: Defaults.oauthScopes,
      publicBaseUrl: PUBLIC_BASE_URL,
      dataDeletionStatusUrl: "",
      erasureQueueUrl: erasureQueue.queueUrl,
    },
    { db: documentClient(), sqs, onSecret: registerSecretValue },
  );
  /** The scheduled token refresh with the default window. */
  const runTokenRefresh = () =>
    wiring.runTokenRefresh(TEST_SECRETS, refreshPolicy(Defaults.tokenRefreshWindowDays));
  const claims = (tenant: Tenant) => ({ sub: tenant.userId, imo_id: tenant.imoId });
  const invoke = (handler: Handler, event: HttpEvent) => handler(event, lambdaContext());

  const init = (tenant: Tenant, body: Record<string, unknown> = { returnTo: RETURN_TO }) =>
    invoke(
      handlers.init,
      httpEvent({
        method: "POST",
        route: "/instagram/oauth/init",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        claims: claims(tenant),
      }),
    );

  /** Runs init and the simulator's consent; returns the query Instagram sends to the callback. */
  const authorize = async (
    tenant: Tenant,
    options: { username?: string; deny?: boolean; declined?: readonly string[] } = {},
  ) => {
    const started = await init(tenant);
    expect(started.statusCode).toBe(200);
    const url = new URL(JSON.parse(started.body ?? "{}").authorizationUrl);
    const params = url.searchParams;
    const landing = await sim.authorize({
      clientId: params.get("client_id") ?? "",
      redirectUri: params.get("redirect_uri") ?? "",
      scope: params.get("scope") ?? "",
      state: params.get("state") ?? "",
      ...options,
    });
    // The browser drops the `#_` fragment; only the query reaches the callback.
    return Object.fromEntries(new URL(landing).searchParams);
  };

  const callback = (query: Record<string, string>) =>
    invoke(handlers.callback, httpEvent({ method: "GET", route: "/instagram/oauth/callback", query }));

  /** `POST /instagram/oauth/complete` as the app's page calls it; no tenant: a request without a JWT. */
  const complete = (tenant: Tenant | undefined, ticket: string, pageId?: string) =>
    invoke(
      handlers.complete,
      httpEvent({
        method: "POST",
        route: "/instagram/oauth/complete",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ticket, ...(pageId === undefined ? {} : { pageId }) }),
        ...(tenant === undefined ? {} : { claims: claims(tenant) }),
      }),
    );

  /**
   * The whole flow for one user, both steps: the callback, then (when it landed with a ticket) the app's
   * page redeeming it with the same tenant's JWT. Resolves to the completion's response, or the
   * callback's when it issued no ticket.
   */
  const connect = async (tenant: Tenant, username: string = ACCOUNTS.riviera.username) => {
    const landed = await callback(await authorize(tenant, { username }));
    const ticket = ticketOf(landed);
    return ticket === undefined ? landed : complete(tenant, ticket);
  };

  const getIntegration = async (tenant: Tenant) => {
    const response = await invoke(
      handlers.get,
      httpEvent({ method: "GET", route: "/instagram/integration", claims: claims(tenant) }),
    );
    return { response, body: JSON.parse(response.body ?? "{}") as Record<string, unknown> };
  };

  const disconnect = (tenant: Tenant) =>
    invoke(
      handlers.remove,
      httpEvent({ method: "DELETE", route: "/instagram/integration", claims: claims(tenant) }),
    );

  const signedRequest = (
    kind: "deauthorize" | "dataDeletion",
    value: string | undefined,
    contentType?: string,
  ) =>
    invoke(
      handlers[kind],
      httpEvent({
        method: "POST",
        route: kind === "deauthorize" ? "/instagram/deauthorize" : "/instagram/data-deletion",
        headers: { "content-type": contentType ?? "application/x-www-form-urlencoded" },
        body: value === undefined ? "" : new URLSearchParams({ signed_request: value }).toString(),
      }),
    );

  const storedIntegration = async (tenant: Tenant): Promise<Integration | undefined> => {
    const result = await db.send(
      new GetCommand({ TableName: tableName, Key: Keys.integration(tenant.imoId, tenant.userId) }),
    );
    return result.Item === undefined ? undefined : integrationFromItem(result.Item);
  };

  const rawItem = async (key: { pk: string; sk: string }) =>
    (await db.send(new GetCommand({ TableName: tableName, Key: key }))).Item;

  /** Every item of an organisation's partition (integrations and claims). */
  const orgItems = async (imoId: string) =>
    (
      await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": `ORG#${imoId}` },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];

  /** Writes an integration directly (for refresh tests): the token is sealed with the handlers' key. */
  const seedIntegration = async (integration: Omit<Integration, "token">, token: string) => {
    const sealed: Integration = { ...integration, token: sealToken(token, TEST_KEYS, integration) };
    await putIntegration(tableName, sealed, db);
    await db.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...Keys.accountClaim(integration.imoId, integration.igAccountId),
          entity: "account_claim",
          userId: integration.userId,
          version: 1,
        },
      }),
    );
  };

  /**
   * Runs the erasure worker on its queue as Lambda's event source mapping would, until the queue is empty:
   * each record gets `timeMs` of function time (a short one makes the job stop and re-queue itself).
   */
  const runErasureJobs = async (options: { timeMs?: number; maxSteps?: number } = {}) => {
    let steps = 0;
    for (;;) {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: erasureQueue.queueUrl,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: 0,
          AttributeNames: ["All"],
        }),
      );
      const messages = received.Messages ?? [];
      if (messages.length === 0 || steps >= (options.maxSteps ?? 10_000)) return steps;
      const event = toSqsEvent(messages, erasureQueue.queueArn, "us-east-1");
      const context = localLambdaContext("erasure", options.timeMs ?? 60_000);
      const outcome = await handlers.erasure(event, context).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      for (const record of succeededRecords(event.Records, outcome)) {
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: erasureQueue.queueUrl, ReceiptHandle: record.receiptHandle }),
        );
      }
      steps++;
    }
  };

  /** A signed_request Meta would send now (issued_at = now unless given), signed with the Instagram app secret. */
  const signedNow = (payload: Record<string, unknown>, secret: string = FAKE.igAppSecret) => {
    const body = { algorithm: "HMAC-SHA256", issued_at: Math.floor(Date.now() / 1000), ...payload };
    const encoded = Buffer.from(JSON.stringify(body)).toString("base64url");
    return `${createHmac("sha256", secret).update(encoded).digest("base64url")}.${encoded}`;
  };

  const tokenOf = (integration: Integration | undefined) =>
    integration?.token === undefined ? undefined : openToken(integration.token, TEST_KEYS, integration);

  return {
    sim,
    tableName,
    db,
    handlers,
    wiring,
    runTokenRefresh,
    init,
    authorize,
    callback,
    complete,
    connect,
    getIntegration,
    disconnect,
    signedRequest,
    signedNow,
    runErasureJobs,
    erasureQueue,
    storedIntegration,
    rawItem,
    orgItems,
    seedIntegration,
    tokenOf,
    stop: () => sim.stop(),
  };
}

export type ConnectHarness = Awaited<ReturnType<typeof startConnectHarness>>;

/** The landing URL of a redirect response, parsed. */
export function landing(response: HttpResult): URL {
  expect(response.statusCode).toBe(302);
  const location = response.headers?.location;
  expect(typeof location).toBe("string");
  return new URL(String(location));
}

/** The `connect_ticket` of a callback's redirect, if it carries one. */
export function ticketOf(response: HttpResult): string | undefined {
  const location = response.headers?.location;
  if (response.statusCode !== 302 || typeof location !== "string") return undefined;
  return new URL(location).searchParams.get("connect_ticket") ?? undefined;
}

/** Asserts a completed connect (`POST /instagram/oauth/complete` answered 200 with a connected integration). */
export function expectConnected(response: HttpResult): Record<string, unknown> {
  expect(response.statusCode, response.body ?? "").toBe(200);
  const body = JSON.parse(response.body ?? "{}") as Record<string, unknown>;
  expect(body.status).toBe("connected");
  return body;
}
