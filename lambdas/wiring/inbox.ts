import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoInboxReader } from "../adapters/dynamo/inbox-queries";
import { dynamoReadStore } from "../adapters/dynamo/read-state";
import type { InboxDeps } from "../domain/inbox/inbox";
import type { ReadDeps } from "../domain/inbox/read";

/** The inbox's dependencies (conversations and their messages, with reply windows at `now`; read state). */
export function inboxWiring(
  config: { readonly tableName: string },
  clients: { readonly db: DynamoDBDocumentClient; readonly now?: () => number },
): InboxDeps & ReadDeps {
  return {
    inbox: dynamoInboxReader(clients.db, config.tableName),
    reads: dynamoReadStore(clients.db, config.tableName),
    now: clients.now ?? (() => Date.now()),
  };
}
