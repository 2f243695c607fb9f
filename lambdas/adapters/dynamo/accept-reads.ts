import type { AcceptReads } from "../../domain/outbound/ports";
import { batchGet, type ItemKey } from "./batch-get";
import type { DynamoAccess } from "./capacity";
import { idempotencyFromItem } from "./idempotency";
import { integrationFromItem } from "./integration-item";
import { Keys } from "./keys";
import { anchorsFromItem } from "./outbound-lookups";

/**
 * What accepting a message reads, as one strongly consistent BatchGetItem: the caller's integration, the
 * Idempotency-Key's record when one is given, and the conversation when the request names it (a
 * `conversationId` carries the account; a bare `recipientId` needs the integration's account first).
 */
export function dynamoAcceptReads(access: DynamoAccess, clock: () => number = Date.now): AcceptReads {
  return {
    async read(imoId, userId, wanted) {
      const integrationKey = Keys.integration(imoId, userId);
      const keyKey =
        wanted.idempotencyKey === undefined
          ? undefined
          : Keys.idempotencyKey(imoId, userId, wanted.idempotencyKey);
      const conversation = wanted.conversation;
      const conversationKey =
        conversation === undefined
          ? undefined
          : Keys.conversation(imoId, conversation.igAccountId, conversation.igsid);
      const keys: ItemKey[] = [integrationKey];
      if (keyKey !== undefined) keys.push(keyKey);
      if (conversationKey !== undefined) keys.push(conversationKey);
      const found = await batchGet(access, keys);
      const integration = found.get(integrationKey);
      const idempotency = keyKey === undefined ? undefined : idempotencyFromItem(found.get(keyKey), clock());
      return {
        ...(integration === undefined ? {} : { integration: integrationFromItem(integration) }),
        ...(idempotency === undefined ? {} : { idempotency }),
        ...(conversation === undefined || conversationKey === undefined
          ? {}
          : { conversation: { ...conversation, anchors: anchorsFromItem(found.get(conversationKey)) } }),
      };
    },
  };
}
