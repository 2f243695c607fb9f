import { documentClient } from "../adapters/dynamo/client";
import { dynamoOutboundStore } from "../adapters/dynamo/outbound-messages";
import { MessageGetPath } from "../contract/api/messages";
import { Env } from "../contract/env";
import { messageStatus } from "../domain/outbound/accept";
import { messageStatusBody } from "../http/message-bodies";
import { pathParams } from "../http/request";
import { json } from "../http/responses";
import { appRoute } from "../http/route";
import { requiredEnv } from "../platform/runtime-config";

const store = dynamoOutboundStore({ db: documentClient(), tableName: requiredEnv(Env.tableName) });

/** GET /instagram/messages/{messageId}: the status of a message the caller sent (anyone else: 404). */
export const handler = appRoute("message-get", async (event, { tenant }) => {
  const { messageId } = pathParams(event, MessageGetPath);
  return json(200, messageStatusBody(await messageStatus(tenant, messageId, store)));
});
