import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { OAuthStateRecord, OAuthStateStore } from "../../domain/connect/ports";
import { ttlSeconds } from "./dates";
import { Keys } from "./keys";

/**
 * Single-use OAuth states. Consuming is one conditional delete that returns the old item, so two callbacks
 * with the same state cannot both succeed. The `expiresAt` TTL (epoch seconds) only tidies up: expiry is
 * checked against `expiresAtMs` when consumed, as TTL deletion can lag.
 */
export function dynamoOAuthStateStore(db: DynamoDBDocumentClient, tableName: string): OAuthStateStore {
  return {
    async put(record) {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...Keys.oauthState(record.state),
            entity: "oauth_state",
            userId: record.userId,
            imoId: record.imoId,
            ...(record.returnTo === undefined ? {} : { returnTo: record.returnTo }),
            ...(record.loginFlavour === "facebook" ? { loginFlavour: "facebook" } : {}),
            createdAt: record.createdAt,
            expiresAtMs: record.expiresAt,
            expiresAt: ttlSeconds(record.expiresAt),
          },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    },

    async consume(state): Promise<OAuthStateRecord | undefined> {
      try {
        const result = await db.send(
          new DeleteCommand({
            TableName: tableName,
            Key: Keys.oauthState(state),
            ConditionExpression: "attribute_exists(pk)",
            ReturnValues: "ALL_OLD",
          }),
        );
        const item = result.Attributes;
        if (item === undefined) return undefined;
        const { userId, imoId, returnTo, createdAt, expiresAtMs, loginFlavour } = item;
        if (typeof userId !== "string" || typeof imoId !== "string" || typeof expiresAtMs !== "number") {
          return undefined;
        }
        return {
          state,
          userId,
          imoId,
          ...(typeof returnTo === "string" ? { returnTo } : {}),
          ...(loginFlavour === "facebook" ? { loginFlavour: "facebook" as const } : {}),
          createdAt: typeof createdAt === "number" ? createdAt : 0,
          expiresAt: expiresAtMs,
        };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    },
  };
}
