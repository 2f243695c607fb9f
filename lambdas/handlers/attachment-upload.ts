import { documentClient } from "../adapters/dynamo/client";
import { dynamoIntegrationAccess } from "../adapters/dynamo/outbound-lookups";
import { AttachmentUploadBody } from "../contract/api/messages";
import { Env } from "../contract/env";
import { uploadAttachment } from "../domain/outbound/attachments";
import { jsonBody } from "../http/request";
import { json } from "../http/responses";
import { appRoute } from "../http/route";
import { requiredEnv } from "../platform/runtime-config";

const deps = {
  integrations: dynamoIntegrationAccess({ db: documentClient(), tableName: requiredEnv(Env.tableName) }),
  // Instagram Login (the only flavour wired today) has no upload endpoint at Meta: see AttachmentDeps.uploadsFor.
  uploadsFor: () => undefined,
};

/** POST /instagram/attachments: upload media for reuse by id (Facebook Login only; 409 for Instagram Login). */
export const handler = appRoute("attachment-upload", async (event, { tenant }) => {
  const media = jsonBody(event, AttachmentUploadBody);
  return json(201, await uploadAttachment(tenant, media, deps));
});
