import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoInboxReader } from "../adapters/dynamo/inbox-queries";
import { dynamoReactionStore } from "../adapters/dynamo/reactions";
import { dynamoReadStore } from "../adapters/dynamo/read-state";
import { graphSenderActions } from "../adapters/meta/sender-actions";
import type { InboxDeps } from "../domain/inbox/inbox";
import type { ReactionDeps } from "../domain/inbox/reactions";
import type { ReadDeps } from "../domain/inbox/read";
import type { SenderActionDeps } from "../domain/inbox/sender-actions";
import { openToken, type TokenKeys } from "../domain/token-seal";
import type { MetaHosts } from "../platform/runtime-config";

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

/**
 * What typing indicators and Meta's read mark need: the inbox reads, Meta's sender actions and the token keys
 * (from the cached secrets); every opened token goes to `onToken` (the log redaction) first.
 */
export function senderActionWiring(
  config: { readonly tableName: string; readonly metaHosts: MetaHosts; readonly metaTimeoutMs?: number },
  clients: { readonly db: DynamoDBDocumentClient; readonly now?: () => number },
  keys: TokenKeys,
  onToken: (token: string) => void = () => undefined,
): SenderActionDeps {
  return {
    inbox: dynamoInboxReader(clients.db, config.tableName),
    meta: graphSenderActions(config.metaHosts, config.metaTimeoutMs),
    accessToken: (integration) => {
      if (integration.token === undefined) throw new Error("Integration has no token");
      const token = openToken(integration.token, keys, integration);
      onToken(token);
      return token;
    },
    now: clients.now ?? (() => Date.now()),
  };
}

/** Reactions on customer messages: the sender actions' dependencies plus the reaction store. */
export function reactionWiring(
  config: { readonly tableName: string; readonly metaHosts: MetaHosts; readonly metaTimeoutMs?: number },
  clients: { readonly db: DynamoDBDocumentClient; readonly now?: () => number },
  keys: TokenKeys,
  onToken: (token: string) => void = () => undefined,
): ReactionDeps {
  return {
    ...senderActionWiring(config, clients, keys, onToken),
    reactions: dynamoReactionStore({ db: clients.db, tableName: config.tableName }),
  };
}
