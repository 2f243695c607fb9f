import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { TicketPage } from "../../domain/connect/facebook-ports";
import type {
  ConnectTicketRecord,
  ConnectTicketStore,
  InstagramTicketRecord,
} from "../../domain/connect/ports";
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
            ...(record.loginFlavour === "facebook"
              ? { loginFlavour: "facebook", facebookUserId: record.facebookUserId, pages: record.pages }
              : {
                  profile: record.profile,
                  token: record.token,
                  tokenIssuedAt: record.tokenIssuedAt,
                  tokenExpiresAt: record.tokenExpiresAt,
                }),
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

    async peek(ticketHash, tenant) {
      const result = await db.send(
        new GetCommand({ TableName: tableName, Key: Keys.connectTicket(ticketHash), ConsistentRead: true }),
      );
      const item = result.Item;
      if (item === undefined) return { kind: "refused", why: "unknown_or_used" };
      if (item.imoId !== tenant.imoId || item.userId !== tenant.userId) {
        return { kind: "refused", why: "other_tenant" };
      }
      const record = ticketFromItem(item);
      return record === undefined
        ? { kind: "refused", why: "unknown_or_used" }
        : { kind: "redeemed", record };
    },
  };
}

function ticketFromItem(item: Record<string, unknown> | undefined): ConnectTicketRecord | undefined {
  if (item === undefined) return undefined;
  const { imoId, userId, profile, token, tokenIssuedAt, tokenExpiresAt, createdAt, expiresAtMs } = item;
  if (typeof imoId !== "string" || typeof userId !== "string" || typeof expiresAtMs !== "number")
    return undefined;
  const base = {
    imoId,
    userId,
    createdAt: typeof createdAt === "number" ? createdAt : 0,
    expiresAt: expiresAtMs,
  };
  if (item.loginFlavour === "facebook") {
    const { facebookUserId, pages } = item;
    if (typeof facebookUserId !== "string" || !Array.isArray(pages)) return undefined;
    return { ...base, loginFlavour: "facebook", facebookUserId, pages: pages as TicketPage[] };
  }
  if (typeof tokenIssuedAt !== "number" || typeof tokenExpiresAt !== "number") return undefined;
  if (typeof profile !== "object" || profile === null || typeof token !== "object" || token === null) {
    return undefined;
  }
  return {
    ...base,
    profile: profile as InstagramTicketRecord["profile"],
    token: token as InstagramTicketRecord["token"],
    tokenIssuedAt,
    tokenExpiresAt,
  };
}
