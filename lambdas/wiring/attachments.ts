import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoIntegrationAccess } from "../adapters/dynamo/outbound-lookups";
import { dynamoSavedAttachments } from "../adapters/dynamo/saved-attachments";
import { graphAttachmentUploads } from "../adapters/meta/attachment-upload";
import type { AttachmentDeps } from "../domain/outbound/attachments";
import { openToken, type TokenKeys } from "../domain/token-seal";
import type { MetaHosts } from "../platform/runtime-config";

/**
 * Attachment upload: the caller's integration, the account's stored ids, and Meta's upload for a Facebook Login
 * integration (its Page and Page token; Instagram Login has none). Every opened token goes to `onToken` first.
 */
export function attachmentsWiring(
  config: { readonly tableName: string; readonly metaHosts: MetaHosts; readonly metaTimeoutMs?: number },
  clients: { readonly db: DynamoDBDocumentClient; readonly now?: () => number },
  keys: TokenKeys,
  onToken: (token: string) => void = () => undefined,
): AttachmentDeps {
  const access = { db: clients.db, tableName: config.tableName };
  const uploads = graphAttachmentUploads(
    config.metaHosts,
    (integration) => {
      if (integration.token === undefined) throw new Error("Integration has no token");
      const token = openToken(integration.token, keys, integration);
      onToken(token);
      return token;
    },
    config.metaTimeoutMs,
  );
  return {
    integrations: dynamoIntegrationAccess(access),
    store: dynamoSavedAttachments(access),
    uploadsFor: (integration) =>
      integration.loginFlavour === "facebook" && integration.page !== undefined ? uploads : undefined,
    now: clients.now ?? (() => Date.now()),
  };
}
