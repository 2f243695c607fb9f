import type { SendableAttachmentType } from "../../contract/vocabulary";
import { AppError } from "../errors";
import type { Integration } from "../integration";
import type { Tenant } from "../tenant";
import type { IntegrationAccess } from "./ports";

/** Meta's attachment upload for one integration: uploads media once, answers its reusable id. */
export interface AttachmentUploads {
  upload(
    integration: Integration,
    media: { readonly type: SendableAttachmentType; readonly url: string },
  ): Promise<string>;
}

export interface AttachmentDeps {
  readonly integrations: Pick<IntegrationAccess, "get">;
  /**
   * The upload endpoint of the integration's login flavour, if Meta offers one. Meta documents upload only as
   * `POST /<PAGE_ID>/message_attachments` with a Page token (Facebook Login; docs/meta-simulator.md row R8):
   * Instagram Login has none, so today this answers undefined. A Facebook Login integration plugs its Page-token
   * uploader in here (and stores the id per account); nothing else changes.
   */
  readonly uploadsFor: (integration: Integration) => AttachmentUploads | undefined;
}

/** `POST /instagram/attachments`: the caller's connected integration uploads, or a documented refusal. */
export async function uploadAttachment(
  tenant: Tenant,
  media: { readonly type: SendableAttachmentType; readonly url: string },
  deps: AttachmentDeps,
): Promise<{ attachmentId: string }> {
  const integration = await deps.integrations.get(tenant.imoId, tenant.userId);
  if (integration === undefined || integration.status === "revoked") {
    throw new AppError("integration.not_connected", "Connect an Instagram account first.");
  }
  if (integration.status === "needs_reauth") {
    throw new AppError("integration.needs_reauth", "Reconnect the Instagram account first.");
  }
  const uploads = deps.uploadsFor(integration);
  if (uploads === undefined) {
    throw new AppError(
      "attachments.unsupported_for_login_flavour",
      "Instagram Login has no attachment upload (Meta documents it for Facebook Login Page tokens only); send the media by url.",
    );
  }
  return { attachmentId: await uploads.upload(integration, media) };
}
