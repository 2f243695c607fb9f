import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  TransactionConflictException,
} from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type {
  AccountClaim,
  ConnectPlan,
  IntegrationStore,
  Page,
  WriteOutcome,
} from "../../domain/connect/ports";
import type { Integration } from "../../domain/integration";
import { sortKeyTime } from "./dates";
import { integrationFromItem, integrationItem, personIdsOf } from "./integration-item";
import { Keys } from "./keys";
import { queryPages } from "./query";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** Losing a condition or racing another transaction both mean: re-read and decide again. */
function isConflict(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException ||
    error instanceof TransactionConflictException ||
    error instanceof ConditionalCheckFailedException
  );
}

function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key === undefined ? undefined : Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  return JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Record<string, unknown>;
}

/**
 * Integrations and account claims in the single table. Every write is conditioned on the version that
 * was read, and the writes of one change go in one TransactWriteItems: both uniqueness rules hold without
 * a duplicate-key failure ever reaching a user.
 */
export function dynamoIntegrationStore(db: DynamoDBDocumentClient, tableName: string): IntegrationStore {
  /** Put of an integration: absent (first write) or still at the version it was read at. */
  const putIntegration = (integration: Integration, expectedVersion: number | undefined): TransactItem => ({
    Put: {
      TableName: tableName,
      Item: integrationItem(integration),
      ...(expectedVersion === undefined
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : {
            ConditionExpression: "#version = :expected",
            ExpressionAttributeNames: { "#version": "version" },
            ExpressionAttributeValues: { ":expected": expectedVersion },
          }),
    },
  });
  /** Deletes the claim of an account unless another user holds it (then the whole change is re-planned). */
  const releaseClaim = (imoId: string, igAccountId: string, userId: string): TransactItem => ({
    Delete: {
      TableName: tableName,
      Key: Keys.accountClaim(imoId, igAccountId),
      ConditionExpression: "attribute_not_exists(pk) OR userId = :user",
      ExpressionAttributeValues: { ":user": userId },
    },
  });

  /**
   * A link from each id Meta may name the person by to this (organisation, account), written with the connect:
   * data deletion finds every account the person ever connected, even after the integration moved on.
   */
  const personLinkPuts = (integration: Integration): TransactItem[] => {
    const personIds = personIdsOf(integration);
    return personIds.map((personId) => ({
      Put: {
        TableName: tableName,
        Item: {
          ...Keys.personLink(personId, integration.imoId, integration.igAccountId),
          entity: "person_link",
          personIds,
          imoId: integration.imoId,
          igAccountId: integration.igAccountId,
          ...(integration.loginFlavour === "facebook" ? { loginFlavour: "facebook" } : {}),
          linkedAt: integration.updatedAt,
        },
      },
    }));
  };

  const transact = async (items: TransactItem[]): Promise<WriteOutcome> => {
    try {
      await db.send(new TransactWriteCommand({ TransactItems: items }));
      return "applied";
    } catch (error) {
      if (isConflict(error)) return "conflict";
      throw error;
    }
  };

  const query = async (input: Omit<QueryCommandInput, "TableName">): Promise<Integration[]> => {
    const found: Integration[] = [];
    await queryPages(db, { TableName: tableName, ...input }, (items) => {
      for (const item of items) if (item.entity === "integration") found.push(integrationFromItem(item));
    });
    return found;
  };

  return {
    async get(imoId, userId) {
      const result = await db.send(
        new GetCommand({ TableName: tableName, Key: Keys.integration(imoId, userId), ConsistentRead: true }),
      );
      return result.Item === undefined ? undefined : integrationFromItem(result.Item);
    },

    async getClaim(imoId, igAccountId): Promise<AccountClaim | undefined> {
      const result = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: Keys.accountClaim(imoId, igAccountId),
          ConsistentRead: true,
        }),
      );
      const item = result.Item;
      if (item === undefined || typeof item.userId !== "string") return undefined;
      return {
        imoId,
        igAccountId,
        userId: item.userId,
        version: typeof item.version === "number" ? item.version : 0,
      };
    },

    async applyConnect(plan: ConnectPlan) {
      const { integration } = plan;
      const { imoId, userId, igAccountId } = integration;
      const items: TransactItem[] = [
        putIntegration(integration, plan.expectedVersion),
        {
          Put: {
            TableName: tableName,
            Item: {
              ...Keys.accountClaim(imoId, igAccountId),
              entity: "account_claim",
              imoId,
              igAccountId,
              userId,
              version: plan.claim.version,
              updatedAt: integration.updatedAt,
            },
            ...(plan.claim.expectedVersion === undefined
              ? { ConditionExpression: "attribute_not_exists(pk)" }
              : {
                  ConditionExpression: "#version = :expected",
                  ExpressionAttributeNames: { "#version": "version" },
                  ExpressionAttributeValues: { ":expected": plan.claim.expectedVersion },
                }),
          },
        },
      ];
      items.push(...personLinkPuts(integration));
      if (plan.releaseClaimOf !== undefined) items.push(releaseClaim(imoId, plan.releaseClaimOf, userId));
      if (plan.displaced !== undefined) {
        items.push(putIntegration(plan.displaced.integration, plan.displaced.expectedVersion));
      }
      return transact(items);
    },

    async save(next, expectedVersion, options = {}) {
      const items = [putIntegration(next, expectedVersion)];
      if (options.releaseClaim) items.push(releaseClaim(next.imoId, next.igAccountId, next.userId));
      return transact(items);
    },

    async remove(current) {
      // A revoked integration released its claim already; the account may be someone else's by now.
      const claim =
        current.status === "revoked"
          ? []
          : [releaseClaim(current.imoId, current.igAccountId, current.userId)];
      return transact([
        {
          Delete: {
            TableName: tableName,
            Key: Keys.integration(current.imoId, current.userId),
            ConditionExpression: "#version = :expected",
            ExpressionAttributeNames: { "#version": "version" },
            ExpressionAttributeValues: { ":expected": current.version },
          },
        },
        ...claim,
      ]);
    },

    findByAppUser(appScopedUserId) {
      const { gsi2pk } = Keys.integrationsByAppUser(appScopedUserId);
      return query({
        IndexName: "gsi2",
        KeyConditionExpression: "gsi2pk = :pk",
        ExpressionAttributeValues: { ":pk": gsi2pk },
      });
    },

    findByAccount(igAccountId) {
      const { gsi1pk } = Keys.integrationsByAccount(igAccountId);
      return query({
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": gsi1pk },
      });
    },

    async expiringBefore(threshold, cursor): Promise<Page<Integration>> {
      const { gsi3pk } = Keys.tokenExpiryPartition();
      const startKey = decodeCursor(cursor);
      const page = await db.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: "gsi3",
          KeyConditionExpression: "gsi3pk = :pk AND gsi3sk < :before",
          ExpressionAttributeValues: { ":pk": gsi3pk, ":before": sortKeyTime(threshold) },
          Limit: 100,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const next = encodeCursor(page.LastEvaluatedKey);
      return {
        items: (page.Items ?? []).map(integrationFromItem),
        ...(next === undefined ? {} : { cursor: next }),
      };
    },
  };
}
