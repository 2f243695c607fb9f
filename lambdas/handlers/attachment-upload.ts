import { documentClient } from "../adapters/dynamo/client";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { AttachmentUploadBody } from "../contract/api/messages";
import { Env } from "../contract/env";
import { uploadAttachment } from "../domain/outbound/attachments";
import { tokenKeysFrom } from "../domain/token-seal";
import { jsonBody } from "../http/request";
import { json } from "../http/responses";
import { appRouteWithSecrets } from "../http/route";
import { registerSecretValue } from "../platform/redaction";
import { metaHostsFromEnv, requiredEnv } from "../platform/runtime-config";
import { attachmentsWiring } from "../wiring/attachments";

const config = { tableName: requiredEnv(Env.tableName), metaHosts: metaHostsFromEnv() };
const db = documentClient();
const loadSecrets = secretsLoaderFromEnv();

/**
 * POST /instagram/attachments: uploads media once through Meta (Facebook Login: the Page's message_attachments)
 * and stores Meta's id for the account; 409 for Instagram Login, where Meta documents no upload.
 */
export const handler = appRouteWithSecrets("attachment-upload", loadSecrets, async (event, context) => {
  const media = jsonBody(event, AttachmentUploadBody);
  const deps = attachmentsWiring(config, { db }, tokenKeysFrom(context.secrets), registerSecretValue);
  const uploaded = await uploadAttachment(context.tenant, media, deps);
  return json(201, {
    attachmentId: uploaded.attachmentId,
    type: uploaded.type,
    createdAt: new Date(uploaded.createdAt).toISOString(),
    expiresAt: new Date(uploaded.expiresAt).toISOString(),
  });
});
