import { documentClient } from "../adapters/dynamo/client";
import { sqsClient } from "../adapters/sqs/client";
import { outboundConfigFromEnv } from "../config/env";
import { MessageSendBody, MessageSendHeaders } from "../contract/api/messages";
import { acceptMessage } from "../domain/outbound/accept";
import { jsonBody, parseWith } from "../http/request";
import { json } from "../http/responses";
import { appRoute } from "../http/route";
import { outboundWiring } from "../wiring/outbound";

const { accept } = outboundWiring(outboundConfigFromEnv(), { db: documentClient(), sqs: sqsClient() });

/** POST /instagram/messages: accepts a reply for sending (202); the sender delivers it under the cap. */
export const handler = appRoute("message-send", async (event, { tenant }) => {
  const headers = parseWith(MessageSendHeaders, event.headers ?? {}, "headers");
  const body = jsonBody(event, MessageSendBody);
  return json(202, await acceptMessage(tenant, body, headers["idempotency-key"], accept));
});
