import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { ConnectTicketRecord, ConnectTicketStore } from "../../domain/connect/ports";
import { ttlSeconds } from "./dates";
import { Keys } from "./keys";

/**
 * Connect completion tickets, stored under the ticket's hash. Redeeming is one conditional delete on the
 * tenant's ids that returns the old item, so a ticket is spent at most once and only by its tenant; another
 * tenant's attempt fails the condition and leaves it in place. The TTL (epoch seconds) only tidies up:
 * expiry is checked against `expiresAtMs`.
 */
export function dynamoConnectTicketStore(db: DynamoDBDocumentClient, tableName: string): ConnectTicketStore {
  return {
    async put(ticketHash, record) {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...Keys.connectTicket(ticketHash),
            entity: "connect_ticket",
            imoId: record.imoId,
            userId: record.userId,
            profile: record.profile,
            token: record.token,
            tokenIssuedAt: record.tokenIssuedAt,
            tokenExpiresAt: record.tokenExpiresAt,
            createdAt: record.createdAt,
            expiresAtMs: record.expiresAt,
            expiresAt: ttlSeconds(record.expiresAt),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    },

    async redeem(ticketHash, tenant) {
      try {
        const result = await db.send(
          new DeleteCommand({
            TableName: tableName,
            Key: Keys.connectTicket(ticketHash),
            ConditionExpression: "attribute_exists(pk) AND imoId = :imoId AND userId = :userId",
            ExpressionAttributeValues: { ":imoId": tenant.imoId, ":userId": tenant.userId },
            ReturnValues: "ALL_OLD",
            // Only to tell "another tenant" from "unknown" in our log; the caller is told neither.
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        const record = ticketFromItem(result.Attributes);
        return record === undefined
          ? { kind: "refused", why: "unknown_or_used" }
          : { kind: "redeemed", record };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          return { kind: "refused", why: error.Item === undefined ? "unknown_or_used" : "other_tenant" };
        }
        throw error;
      }
    },
  };
}

function ticketFromItem(item: Record<string, unknown> | undefined): ConnectTicketRecord | undefined {
  if (item === undefined) return undefined;
  const { imoId, userId, profile, token, tokenIssuedAt, tokenExpiresAt, createdAt, expiresAtMs } = item;
  if (typeof imoId !== "string" || typeof userId !== "string" || typeof expiresAtMs !== "number")
    return undefined;
  if (typeof tokenIssuedAt !== "number" || typeof tokenExpiresAt !== "number") return undefined;
  if (typeof profile !== "object" || profile === null || typeof token !== "object" || token === null) {
    return undefined;
  }
  return {
    imoId,
    userId,
    profile: profile as ConnectTicketRecord["profile"],
    token: token as ConnectTicketRecord["token"],
    tokenIssuedAt,
    tokenExpiresAt,
    createdAt: typeof createdAt === "number" ? createdAt : 0,
    expiresAt: expiresAtMs,
  };
}
