import type { SendableAttachmentType } from "../../contract/vocabulary";
import type { Integration } from "../../domain/integration";
import { metaTargetOf } from "../../domain/integration";
import type { AttachmentUploads, UploadResult } from "../../domain/outbound/attachments";
import type { MetaHosts } from "../../platform/runtime-config";
import { callFailure } from "./call-failure";
import { metaFetch, parseMetaJson } from "./graph-http";
import { graphNodeUrl } from "./graph-target";

/** The app waits on it; Meta fetches the media from the url before answering (its video fetch timeout is 75 s). */
export const ATTACHMENT_UPLOAD_TIMEOUT_MS = 20_000;

/**
 * `POST /<PAGE_ID>/message_attachments` on graph.facebook.com with the Page token ("Upload Media for Instagram
 * Messaging": `platform: instagram`, `message.attachment {type, payload: {url, is_reusable: true}}`, answered
 * `{attachment_id}`). Only for a Facebook Login integration (a Page target); failures are classified, never thrown.
 */
export function graphAttachmentUploads(
  hosts: MetaHosts,
  accessToken: (integration: Integration) => string,
  timeoutMs = ATTACHMENT_UPLOAD_TIMEOUT_MS,
): AttachmentUploads {
  return {
    async upload(
      integration: Integration,
      media: { readonly type: SendableAttachmentType; readonly url: string },
    ): Promise<UploadResult> {
      const target = metaTargetOf(integration);
      if (target.host !== "facebook") throw new Error("Attachment upload needs a Page target");
      try {
        const answer = await metaFetch(
          graphNodeUrl(hosts, target, "message_attachments"),
          {
            method: "POST",
            headers: {
              authorization: `Bearer ${accessToken(integration)}`,
              "content-type": "application/json",
            },
            body: JSON.stringify({
              platform: "instagram",
              message: { attachment: { type: media.type, payload: { url: media.url, is_reusable: true } } },
            }),
          },
          { timeoutMs },
        );
        const id = (parseMetaJson(answer.body) as { attachment_id?: unknown } | null)?.attachment_id;
        // A 2xx without an id is not an upload we can use; Meta's side may hold an orphan, which expires.
        if (typeof id !== "string" || id === "") return { ok: false, kind: "invalid_request" };
        return { ok: true, attachmentId: id };
      } catch (error) {
        return callFailure(error);
      }
    },
  };
}
