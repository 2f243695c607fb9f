import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { InboundStore } from "../../domain/webhook/ports";
import { inboundMessageChanges } from "./inbound-message-changes";
import { inboundMessageWrites } from "./inbound-message-writes";

export { PENDING_MESSAGE_ENTITY } from "./inbound-items";

/**
 * DynamoDB implementation of the inbound writes (docs/webhooks.md explains each). Every write is guarded
 * by a condition, so any repetition or reordering of deliveries converges on the same items:
 * - a message is written once, in one transaction with its conversation update (counts stay exact);
 * - conversation activity and the reply window only move forward (the transaction falls back to a
 *   weaker conversation update when the condition says the event is older);
 * - edits, unsends, reactions and reads update the message they point at, or a pending item that the
 *   message merges into when it arrives (so nothing is lost and an unsent message never comes back).
 */
export function dynamoInboundStore(
  db: DynamoDBDocumentClient,
  tableName: string,
  now: () => number = Date.now,
): InboundStore {
  return { ...inboundMessageWrites(db, tableName, now), ...inboundMessageChanges(db, tableName, now) };
}
