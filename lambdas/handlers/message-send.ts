import { randomUUID } from "node:crypto";
import { documentClient } from "../adapters/dynamo/client";
import {
  dynamoConversationWindows,
  dynamoIntegrationAccess,
  dynamoOutboundStore,
} from "../adapters/dynamo/outbound-messages";
import { claimNamesFromEnv, optionalEnv, requiredEnv } from "../adapters/runtime-config";
import { sqsClient } from "../adapters/sqs/client";
import { sqsOutboundQueue } from "../adapters/sqs/outbound-queue";
import { MessageSendBody, MessageSendHeaders } from "../contract/api/messages";
import { Env } from "../contract/env";
import { acceptMessage } from "../domain/outbound/accept";
import { httpRoute } from "../middleware/http-route";
import { jsonBody, parseWith, tenantOf } from "../middleware/request";
import { json } from "../middleware/responses";

const claims = claimNamesFromEnv();
const access = { db: documentClient(), tableName: requiredEnv(Env.tableName) };
const deps = {
  store: dynamoOutboundStore(access),
  integrations: dynamoIntegrationAccess(access),
  conversations: dynamoConversationWindows(access),
  queue: sqsOutboundQueue(sqsClient(), requiredEnv(Env.outboundQueueUrl)),
  newId: randomUUID,
  now: () => Date.now(),
  humanAgentEnabled: optionalEnv(Env.humanAgentEnabled, "false") === "true",
};

/** POST /instagram/messages: accepts a reply for sending (202); the sender delivers it under the cap. */
export const handler = httpRoute(async (event) => {
  const tenant = tenantOf(event, claims);
  const headers = parseWith(MessageSendHeaders, event.headers ?? {}, "headers");
  const body = jsonBody(event, MessageSendBody);
  return json(202, await acceptMessage(tenant, body, headers["idempotency-key"], deps));
});
