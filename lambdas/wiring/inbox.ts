import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoInboxReader } from "../adapters/dynamo/inbox-queries";
import type { InboxDeps } from "../domain/inbox/inbox";

/** The inbox's dependencies (conversations and their messages, with reply windows at `now`). */
export function inboxWiring(
  config: { readonly tableName: string },
  clients: { readonly db: DynamoDBDocumentClient; readonly now?: () => number },
): InboxDeps {
  return {
    inbox: dynamoInboxReader(clients.db, config.tableName),
    now: clients.now ?? (() => Date.now()),
  };
}
