import { documentClient } from "../adapters/dynamo/client";
import { claimNamesFromEnv } from "../adapters/runtime-config";
import { sqsClient } from "../adapters/sqs/client";
import { outboundConfigFromEnv } from "../config/env";
import { MessageSendBody, MessageSendHeaders } from "../contract/api/messages";
import { acceptMessage } from "../domain/outbound/accept";
import { httpRoute } from "../middleware/http-route";
import { jsonBody, parseWith, tenantOf } from "../middleware/request";
import { json } from "../middleware/responses";
import { outboundWiring } from "../wiring/outbound";

const claims = claimNamesFromEnv();
const { accept } = outboundWiring(outboundConfigFromEnv(), { db: documentClient(), sqs: sqsClient() });

/** POST /instagram/messages: accepts a reply for sending (202); the sender delivers it under the cap. */
export const handler = httpRoute(async (event) => {
  const tenant = tenantOf(event, claims);
  const headers = parseWith(MessageSendHeaders, event.headers ?? {}, "headers");
  const body = jsonBody(event, MessageSendBody);
  return json(202, await acceptMessage(tenant, body, headers["idempotency-key"], accept));
});
