import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoIntegrationAccess } from "../adapters/dynamo/outbound-lookups";
import { graphMessengerProfile } from "../adapters/meta/messenger-profile";
import type { MessengerProfileDeps } from "../domain/messenger-profile";
import { openToken, type TokenKeys } from "../domain/token-seal";
import type { MetaHosts } from "../platform/runtime-config";

/**
 * Ice breakers and the persistent menu: the caller's integration and Meta's messenger_profile with the
 * integration's token (opened with the cached token keys; every opened token goes to `onToken`, the log
 * redaction, first).
 */
export function messengerProfileWiring(
  config: { readonly tableName: string; readonly metaHosts: MetaHosts; readonly metaTimeoutMs?: number },
  clients: { readonly db: DynamoDBDocumentClient },
  keys: TokenKeys,
  onToken: (token: string) => void = () => undefined,
): MessengerProfileDeps {
  return {
    integrations: dynamoIntegrationAccess({ db: clients.db, tableName: config.tableName }),
    meta: graphMessengerProfile(
      config.metaHosts,
      (integration) => {
        if (integration.token === undefined) throw new Error("Integration has no token");
        const token = openToken(integration.token, keys, integration);
        onToken(token);
        return token;
      },
      config.metaTimeoutMs,
    ),
  };
}
