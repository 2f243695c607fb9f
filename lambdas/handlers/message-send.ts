import { randomUUID } from "node:crypto";
import { documentClient } from "../adapters/dynamo/client";
import {
  dynamoConversationWindows,
  dynamoIntegrationAccess,
  dynamoOutboundStore,
} from "../adapters/dynamo/outbound-messages";
import { sqsClient } from "../adapters/sqs/client";
import { sqsOutboundQueue } from "../adapters/sqs/outbound-queue";
import { MessageSendBody, MessageSendHeaders } from "../contract/api/messages";
import { Env } from "../contract/env";
import { acceptMessage } from "../domain/outbound/accept";
import { jsonBody, parseWith } from "../http/request";
import { json } from "../http/responses";
import { appRoute } from "../http/route";
import { optionalEnv, requiredEnv } from "../platform/runtime-config";

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
export const handler = appRoute("message-send", async (event, { tenant }) => {
  const headers = parseWith(MessageSendHeaders, event.headers ?? {}, "headers");
  const body = jsonBody(event, MessageSendBody);
  return json(202, await acceptMessage(tenant, body, headers["idempotency-key"], deps));
});
