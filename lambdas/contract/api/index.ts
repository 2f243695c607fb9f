import type * as z from "zod";
import type { HandlerName } from "../routes";
import { problems, type ResponseSpec } from "./common";
import {
  ConversationMessagesPath,
  ConversationMessagesQuery,
  ConversationReadBody,
  ConversationReadPath,
  ConversationSummary,
  ConversationsListQuery,
  ConversationsPage,
  ConversationTypingBody,
  ConversationTypingPath,
  MessagesPage,
} from "./conversations";
import {
  DataDeletionResponse,
  DataDeletionStatus,
  DataDeletionStatusPath,
  SignedRequestForm,
} from "./data-deletion";
import { HistoryView, IntegrationResponse } from "./integration";
import {
  MessageAccepted,
  MessageGetPath,
  MessageSendBody,
  MessageSendHeaders,
  MessageStatus,
} from "./messages";
import { messengerProfileRouteSchemas } from "./messenger-profile";
import {
  OAuthCallbackQuery,
  OAuthCompleteBody,
  OAuthCompleteResponse,
  OAuthInitBody,
  OAuthInitResponse,
} from "./oauth";
import { richRouteSchemas } from "./rich-routes";
import { WebhookDelivery, WebhookReceiveHeaders, WebhookVerifyQuery } from "./webhook";

export * from "./common";
export * from "./conversations";
export * from "./data-deletion";
export * from "./integration";
export * from "./messages";
export * from "./messenger-profile";
export * from "./oauth";
export * from "./rich";
export * from "./webhook";

/** The request and response schemas of one route: what the handler validates and the OpenAPI document shows. */
export interface RouteSchema {
  readonly summary: string;
  readonly description?: string;
  readonly body?: {
    readonly contentType: "application/json" | "application/x-www-form-urlencoded";
    readonly schema: z.ZodType;
  };
  readonly query?: z.ZodObject;
  readonly path?: z.ZodObject;
  readonly headers?: z.ZodObject;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
}

const json = (description: string, schema: z.ZodType): ResponseSpec => ({
  description,
  contentType: "application/json",
  schema,
});

/**
 * Every route's schemas, keyed by handler name (one route per handler, see contract/routes.ts). Handlers
 * validate with these; `npm run openapi` (dev/openapi/generate.ts) writes docs/openapi.json from them.
 */
export const RouteSchemas: Readonly<Record<HandlerName, RouteSchema>> = {
  "webhook-verify": {
    summary: "Webhook verification handshake (Meta)",
    query: WebhookVerifyQuery,
    responses: {
      200: { description: "Exactly `hub.challenge`", contentType: "text/plain" },
      ...problems("request.invalid", "webhook.verify_token_mismatch"),
    },
  },
  "webhook-receive": {
    summary: "Webhook event delivery (Meta)",
    description:
      "Signed with X-Hub-Signature-256 over the raw body. A form-encoded `signed_request` body is dispatched to deauthorize or data deletion.",
    headers: WebhookReceiveHeaders,
    body: { contentType: "application/json", schema: WebhookDelivery },
    responses: {
      200: { description: "Stored durably (or acknowledged and ignored)" },
      ...problems(
        "webhook.body_invalid",
        "webhook.signature_invalid",
        "request.too_large",
        "request.unsupported_media_type",
        "signed_request.invalid",
        "signed_request.signature_invalid",
        "dependency.unavailable",
      ),
    },
  },
  "oauth-callback": {
    summary: "OAuth redirect target (browser, from Instagram)",
    query: OAuthCallbackQuery,
    responses: {
      302: {
        description:
          "To returnTo with `connect_ticket=<ticket>` (redeem it with `POST /instagram/oauth/complete`) or `instagram=error&reason=<code>`",
        headers: { location: "The allow-listed return URL" },
      },
      400: {
        description: "Unknown, expired or reused state: an HTML page, never a redirect",
        contentType: "text/html",
      },
    },
  },
  deauthorize: {
    summary: "Deauthorize callback (Meta, signed_request)",
    body: { contentType: "application/x-www-form-urlencoded", schema: SignedRequestForm },
    responses: {
      200: { description: "Integration revoked, token erased" },
      ...problems(
        "signed_request.invalid",
        "signed_request.signature_invalid",
        "request.unsupported_media_type",
      ),
    },
  },
  "data-deletion": {
    summary: "Data deletion request callback (Meta, signed_request)",
    body: { contentType: "application/x-www-form-urlencoded", schema: SignedRequestForm },
    responses: {
      200: json("Deletion accepted", DataDeletionResponse),
      ...problems(
        "signed_request.invalid",
        "signed_request.signature_invalid",
        "request.unsupported_media_type",
      ),
    },
  },
  "data-deletion-status": {
    summary: "Status of a data deletion request",
    path: DataDeletionStatusPath,
    responses: {
      200: json("The deletion status", DataDeletionStatus),
      ...problems("request.invalid", "resource.not_found"),
    },
  },
  "oauth-init": {
    summary: "Start connecting the caller's Instagram account",
    body: { contentType: "application/json", schema: OAuthInitBody },
    responses: {
      200: json("Where to send the browser", OAuthInitResponse),
      ...problems(
        "request.invalid",
        "oauth.return_to_not_allowed",
        "oauth.flavour_disabled",
        "auth.unauthorized",
        "request.unsupported_media_type",
      ),
    },
  },
  "oauth-complete": {
    summary: "Finish connecting: redeem the connect ticket from the landing URL",
    description:
      "Only the tenant (organisation and user) that called `oauth/init` can redeem its ticket, once, within 10 minutes. Subscribes the account to webhooks and stores the integration. Another tenant's attempt gets `oauth.ticket_invalid` and leaves the ticket in place. A Facebook-flavour ticket whose person granted several Pages with linked Instagram accounts answers `{ choosePage, expiresAt }` without spending the ticket; call again with `pageId`.",
    body: { contentType: "application/json", schema: OAuthCompleteBody },
    responses: {
      200: json(
        "The connected integration, or (Facebook flavour, several Pages) the Pages to choose from",
        OAuthCompleteResponse,
      ),
      ...problems(
        "request.invalid",
        "oauth.ticket_invalid",
        "oauth.ticket_expired",
        "oauth.page_invalid",
        "oauth.no_linked_instagram_account",
        "oauth.subscribe_failed",
        "auth.unauthorized",
        "request.unsupported_media_type",
      ),
    },
  },
  "integration-get": {
    summary: "The caller's integration",
    responses: {
      200: json("The integration, or status none", IntegrationResponse),
      ...problems("auth.unauthorized"),
    },
  },
  "integration-delete": {
    summary: "Disconnect the caller's integration",
    responses: {
      204: { description: "Disconnected (also when there was nothing to disconnect)" },
      ...problems("auth.unauthorized", "dependency.unavailable"),
    },
  },
  "integration-history": {
    summary: "Import the account's recent conversations and messages from Instagram (again)",
    responses: {
      202: json("The import was started; progress shows on GET /instagram/integration", HistoryView),
      ...problems(
        "auth.unauthorized",
        "integration.not_connected",
        "integration.needs_reauth",
        "history.already_running",
        "dependency.unavailable",
      ),
    },
  },
  "conversations-list": {
    summary: "The caller's conversations, most recent activity first",
    query: ConversationsListQuery,
    responses: {
      200: json("A page of conversations", ConversationsPage),
      ...problems("request.invalid", "auth.unauthorized"),
    },
  },
  "conversation-messages": {
    summary: "Messages of one of the caller's conversations, newest first",
    path: ConversationMessagesPath,
    query: ConversationMessagesQuery,
    responses: {
      200: json("A page of messages", MessagesPage),
      ...problems("request.invalid", "auth.unauthorized", "resource.not_found"),
    },
  },
  "conversation-read": {
    summary: "Mark one of the caller's conversations read",
    description:
      "Sets `unreadCount` to 0 up to the latest customer message (or up to `upToMessageId`); later messages count again. Idempotent; a stale request changes nothing and never raises the count. The body may be empty. Also tells Meta `mark_seen` while the 24-hour window is open (best effort: never fails the call, never counted against the send cap).",
    path: ConversationReadPath,
    body: { contentType: "application/json", schema: ConversationReadBody },
    responses: {
      200: json("The conversation after the read", ConversationSummary),
      ...problems(
        "request.invalid",
        "auth.unauthorized",
        "resource.not_found",
        "request.unsupported_media_type",
      ),
    },
  },
  "conversation-typing": {
    summary: "Show or hide the typing indicator in one of the caller's conversations",
    description:
      "Meta's `typing_on` / `typing_off` sender action; only while the 24-hour window is open. Not a message: never counted against the send cap.",
    path: ConversationTypingPath,
    body: { contentType: "application/json", schema: ConversationTypingBody },
    responses: {
      204: { description: "Meta took the indicator" },
      ...problems(
        "request.invalid",
        "auth.unauthorized",
        "resource.not_found",
        "integration.needs_reauth",
        "send.window_closed",
        "request.unsupported_media_type",
        "dependency.unavailable",
      ),
    },
  },
  "message-send": {
    summary: "Send a DM (accepted, queued, sent within the account's cap)",
    headers: MessageSendHeaders,
    body: { contentType: "application/json", schema: MessageSendBody },
    responses: {
      202: json("Accepted", MessageAccepted),
      ...problems(
        "request.invalid",
        "send.human_agent_disabled",
        "auth.unauthorized",
        "resource.not_found",
        "integration.not_connected",
        "integration.needs_reauth",
        "send.window_closed",
        "request.unsupported_media_type",
        "idempotency.key_reused",
        "dependency.unavailable",
      ),
    },
  },
  "message-get": {
    summary: "Status of a message the caller sent",
    path: MessageGetPath,
    responses: {
      200: json("The message status", MessageStatus),
      ...problems("request.invalid", "auth.unauthorized", "resource.not_found"),
    },
  },
  ...richRouteSchemas,
  ...messengerProfileRouteSchemas,
};
