import { documentClient } from "../adapters/dynamo/client";
import { dynamoOutboundStore } from "../adapters/dynamo/outbound-messages";
import { claimNamesFromEnv, requiredEnv } from "../adapters/runtime-config";
import { isoTime } from "../contract/api/common";
import { MessageGetPath, type MessageStatusBody } from "../contract/api/messages";
import { Env } from "../contract/env";
import { messageStatus } from "../domain/outbound/accept";
import { httpRoute } from "../middleware/http-route";
import { pathParams, tenantOf } from "../middleware/request";
import { json } from "../middleware/responses";

const claims = claimNamesFromEnv();
const store = dynamoOutboundStore({ db: documentClient(), tableName: requiredEnv(Env.tableName) });

/** GET /instagram/messages/{messageId}: the status of a message the caller sent (anyone else: 404). */
export const handler = httpRoute(async (event) => {
  const tenant = tenantOf(event, claims);
  const { messageId } = pathParams(event, MessageGetPath);
  const message = await messageStatus(tenant, messageId, store);
  const body: MessageStatusBody = {
    messageId: message.messageId,
    conversationId: message.conversationId,
    status: message.status,
    ...(message.mid === undefined ? {} : { mid: message.mid }),
    ...(message.failureReason === undefined ? {} : { failureReason: message.failureReason }),
    acceptedAt: isoTime(message.acceptedAt),
    ...(message.sentAt === undefined ? {} : { sentAt: isoTime(message.sentAt) }),
  };
  return json(200, body);
});
