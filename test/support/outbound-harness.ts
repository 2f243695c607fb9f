import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { DEFAULT_ACCOUNT, DEFAULT_CUSTOMER_IGSID } from "../../dev/meta-simulator/index";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import { conversationId } from "../../lambdas/domain/conversation";
import type { Integration, IntegrationStatus } from "../../lambdas/domain/integration";
import { sealToken } from "../../lambdas/domain/token-seal";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { httpEvent, lambdaContext } from "./http-event";
import { putIntegration } from "./integrations";
import { TEST_KEYS } from "./keys";
import { localSqs } from "./local-aws";
import { scanTable } from "./table-scan";

export const ACCOUNT = DEFAULT_ACCOUNT.igId;
export const CUSTOMER = DEFAULT_CUSTOMER_IGSID;
export const OWNER = { imoId: "imo-out", userId: "user-out" } as const;

type HttpHandler = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;

export function claimsOf(tenant: { imoId: string; userId: string }) {
  return { sub: tenant.userId, imo_id: tenant.imoId };
}

/** POST /instagram/messages as the app calls it. */
export function postMessage(
  handler: HttpHandler,
  body: unknown,
  options: { tenant?: { imoId: string; userId: string }; key?: string; contentType?: string } = {},
): Promise<HttpResult> {
  return handler(
    httpEvent({
      method: "POST",
      route: "/instagram/messages",
      headers: {
        "content-type": options.contentType ?? "application/json",
        ...(options.key ? { "idempotency-key": options.key } : {}),
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
      claims: claimsOf(options.tenant ?? OWNER),
    }),
    lambdaContext(),
  );
}

export function getMessage(
  handler: HttpHandler,
  messageId: string,
  tenant: { imoId: string; userId: string } = OWNER,
): Promise<HttpResult> {
  return handler(
    httpEvent({
      method: "GET",
      route: "/instagram/messages/{messageId}",
      path: `/instagram/messages/${messageId}`,
      pathParameters: { messageId },
      claims: claimsOf(tenant),
    }),
    lambdaContext(),
  );
}

/** Seeds a connected integration whose token is sealed with the test key. */
export async function seedIntegration(
  tableName: string,
  options: {
    token: string;
    status?: IntegrationStatus;
    tenant?: { imoId: string; userId: string };
    igAccountId?: string;
  },
): Promise<Integration> {
  const tenant = options.tenant ?? OWNER;
  const now = Date.now();
  const integration: Integration = {
    imoId: tenant.imoId,
    userId: tenant.userId,
    igAccountId: options.igAccountId ?? ACCOUNT,
    appScopedUserId: DEFAULT_ACCOUNT.appScopedId,
    username: DEFAULT_ACCOUNT.username,
    accountType: "BUSINESS",
    status: options.status ?? "connected",
    token: sealToken(options.token, TEST_KEYS, { ...tenant, igAccountId: options.igAccountId ?? ACCOUNT }),
    tokenIssuedAt: now,
    tokenExpiresAt: now + 50 * 24 * 3600 * 1000,
    connectedAt: now,
    updatedAt: now,
    version: 1,
  };
  await putIntegration(tableName, integration);
  return integration;
}

/** Seeds a conversation whose customer last wrote at `lastCustomerMessageAt`. */
export async function seedConversation(
  tableName: string,
  lastCustomerMessageAt: number,
  options: { imoId?: string; igAccountId?: string; igsid?: string } = {},
): Promise<void> {
  const imoId = options.imoId ?? OWNER.imoId;
  const igAccountId = options.igAccountId ?? ACCOUNT;
  const igsid = options.igsid ?? CUSTOMER;
  await documentClient().send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...Keys.conversation(imoId, igAccountId, igsid),
        ...Keys.inbox(imoId, igAccountId),
        gsi1sk: `${new Date(lastCustomerMessageAt).toISOString()}#${igsid}`,
        entity: "conversation",
        imoId,
        igAccountId,
        igsid,
        lastActivityAt: lastCustomerMessageAt,
        lastCustomerMessageAt,
        unreadCount: 1,
      },
    }),
  );
}

export async function readItem(tableName: string, key: { pk: string; sk: string }) {
  return (
    await documentClient().send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))
  ).Item;
}

/** Every item of one entity kind in the table. */
export async function itemsOf(tableName: string, entity: string) {
  return (await scanTable(tableName)).filter((item) => item.entity === entity);
}

/** Receives what is visible on a queue (long poll off), as Lambda's event source would hand it over. */
export async function receiveRecords(queueUrl: string, max = 10): Promise<SQSRecord[]> {
  const result = await localSqs().send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ["All"],
    }),
  );
  return (result.Messages ?? []).map((m) => ({
    messageId: m.MessageId ?? "",
    receiptHandle: m.ReceiptHandle ?? "",
    body: m.Body ?? "",
    attributes: {
      ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1",
      SentTimestamp: m.Attributes?.SentTimestamp ?? "0",
      SenderId: "local",
      ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? "0",
      ...(m.Attributes?.MessageGroupId ? { MessageGroupId: m.Attributes.MessageGroupId } : {}),
      ...(m.Attributes?.MessageDeduplicationId
        ? { MessageDeduplicationId: m.Attributes.MessageDeduplicationId }
        : {}),
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:local.fifo",
    awsRegion: "us-east-1",
  }));
}

export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export const CONVERSATION = conversationId(ACCOUNT, CUSTOMER);
export type { HttpHandler };
