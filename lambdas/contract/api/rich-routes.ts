import type { HandlerName } from "../routes";
import { problems, type ResponseSpec } from "./common";
import { MessageView } from "./conversations";
import type { RouteSchema } from "./index";
import {
  AttachmentUploadBody,
  AttachmentUploaded,
  MessageReactionBody,
  MessageReactionPath,
} from "./messages";

/* The route schemas of issue 16 (reactions, attachment upload), spread into RouteSchemas in ./index.ts. */

const json = (description: string, schema: ResponseSpec["schema"]): ResponseSpec => ({
  description,
  contentType: "application/json",
  ...(schema === undefined ? {} : { schema }),
});

const reactionResponses = {
  200: json("The message with its reactions", MessageView),
  ...problems(
    "request.invalid",
    "auth.unauthorized",
    "resource.not_found",
    "integration.needs_reauth",
    "send.window_closed",
    "request.unsupported_media_type",
    "dependency.unavailable",
  ),
};

export const richRouteSchemas = {
  "message-react": {
    summary: "React to a customer message (`love`)",
    description:
      "Meta's `react` sender action on a customer message of the caller's account (its `messageId` from the messages route), only while the reply window is open. The reaction shows on the message (`reactions`, keyed by the account's id). A sender action, not a message: never counted against the send cap.",
    path: MessageReactionPath,
    body: { contentType: "application/json", schema: MessageReactionBody },
    responses: reactionResponses,
  },
  "message-unreact": {
    summary: "Take back the reaction on a customer message",
    description:
      "Meta's `unreact` sender action on a customer message of the caller's account, only while the reply window is open; the message no longer lists the account's reaction. Never counted against the send cap.",
    path: MessageReactionPath,
    responses: reactionResponses,
  },
  "attachment-upload": {
    summary: "Upload media once to send it many times (Facebook Login integrations only)",
    description:
      "Uploads the media through Meta's Attachment Upload API (`POST /<PAGE_ID>/message_attachments` with the Page token, `platform: instagram`, `is_reusable: true`) and stores Meta's `attachment_id` for the caller's account until it expires (90 days); send it with `attachments: [{type, attachmentId}]`. Meta documents upload only for a Facebook Page (Facebook Login); an Instagram Login integration is answered 409 `attachments.unsupported_for_login_flavour` and nothing is sent to Meta (send media by `url` there). Meta refusing the media (unreachable, unsupported, too large): 422 `attachments.upload_refused`, nothing stored.",
    body: { contentType: "application/json", schema: AttachmentUploadBody },
    responses: {
      201: json("Uploaded", AttachmentUploaded),
      ...problems(
        "request.invalid",
        "auth.unauthorized",
        "integration.not_connected",
        "integration.needs_reauth",
        "attachments.unsupported_for_login_flavour",
        "attachments.upload_refused",
        "request.unsupported_media_type",
        "dependency.unavailable",
      ),
    },
  },
} satisfies Partial<Record<HandlerName, RouteSchema>>;
