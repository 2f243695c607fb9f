/**
 * Every HTTP route of the system, declared once for the stack, local mode and the OpenAPI document.
 * `handler` names the entry file under lambdas/handlers/ (without extension); one Lambda per handler.
 */
export interface RouteDeclaration {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  readonly path: string;
  /** `public` routes are called by Meta or a browser and authenticate themselves (signatures, state). */
  readonly auth: "public" | "jwt";
  readonly handler: HandlerName;
}

export const HandlerNames = [
  "webhook-verify",
  "webhook-receive",
  "oauth-callback",
  "deauthorize",
  "data-deletion",
  "data-deletion-status",
  "oauth-init",
  "oauth-complete",
  "integration-get",
  "integration-delete",
  "integration-history",
  "conversations-list",
  "conversation-messages",
  "conversation-read",
  "conversation-typing",
  "message-send",
  "message-get",
  "message-react",
  "message-unreact",
  "attachment-upload",
  "ice-breakers-get",
  "ice-breakers-put",
  "menu-get",
  "menu-put",
  "ice-breakers-delete",
  "menu-delete",
] as const;

export type HandlerName = (typeof HandlerNames)[number];

export const Paths = {
  webhook: "/instagram/webhook",
  oauthCallback: "/instagram/oauth/callback",
  deauthorize: "/instagram/deauthorize",
  dataDeletion: "/instagram/data-deletion",
  dataDeletionStatus: "/instagram/data-deletion/{code}",
  oauthInit: "/instagram/oauth/init",
  oauthComplete: "/instagram/oauth/complete",
  integration: "/instagram/integration",
  integrationHistory: "/instagram/integration/history",
  conversations: "/instagram/conversations",
  conversationMessages: "/instagram/conversations/{conversationId}/messages",
  conversationRead: "/instagram/conversations/{conversationId}/read",
  conversationTyping: "/instagram/conversations/{conversationId}/typing",
  messages: "/instagram/messages",
  message: "/instagram/messages/{messageId}",
  messageReaction: "/instagram/messages/{messageId}/reaction",
  attachments: "/instagram/attachments",
  iceBreakers: "/instagram/integration/ice-breakers",
  menu: "/instagram/integration/menu",
} as const;

export const Routes = [
  { method: "GET", path: Paths.webhook, auth: "public", handler: "webhook-verify" },
  { method: "POST", path: Paths.webhook, auth: "public", handler: "webhook-receive" },
  { method: "GET", path: Paths.oauthCallback, auth: "public", handler: "oauth-callback" },
  { method: "POST", path: Paths.deauthorize, auth: "public", handler: "deauthorize" },
  { method: "POST", path: Paths.dataDeletion, auth: "public", handler: "data-deletion" },
  { method: "GET", path: Paths.dataDeletionStatus, auth: "public", handler: "data-deletion-status" },
  { method: "POST", path: Paths.oauthInit, auth: "jwt", handler: "oauth-init" },
  { method: "POST", path: Paths.oauthComplete, auth: "jwt", handler: "oauth-complete" },
  { method: "GET", path: Paths.integration, auth: "jwt", handler: "integration-get" },
  { method: "DELETE", path: Paths.integration, auth: "jwt", handler: "integration-delete" },
  { method: "POST", path: Paths.integrationHistory, auth: "jwt", handler: "integration-history" },
  { method: "GET", path: Paths.conversations, auth: "jwt", handler: "conversations-list" },
  { method: "GET", path: Paths.conversationMessages, auth: "jwt", handler: "conversation-messages" },
  { method: "POST", path: Paths.conversationRead, auth: "jwt", handler: "conversation-read" },
  { method: "POST", path: Paths.conversationTyping, auth: "jwt", handler: "conversation-typing" },
  { method: "POST", path: Paths.messages, auth: "jwt", handler: "message-send" },
  { method: "GET", path: Paths.message, auth: "jwt", handler: "message-get" },
  { method: "POST", path: Paths.messageReaction, auth: "jwt", handler: "message-react" },
  { method: "DELETE", path: Paths.messageReaction, auth: "jwt", handler: "message-unreact" },
  { method: "POST", path: Paths.attachments, auth: "jwt", handler: "attachment-upload" },
  { method: "GET", path: Paths.iceBreakers, auth: "jwt", handler: "ice-breakers-get" },
  { method: "PUT", path: Paths.iceBreakers, auth: "jwt", handler: "ice-breakers-put" },
  { method: "GET", path: Paths.menu, auth: "jwt", handler: "menu-get" },
  { method: "PUT", path: Paths.menu, auth: "jwt", handler: "menu-put" },
  { method: "DELETE", path: Paths.iceBreakers, auth: "jwt", handler: "ice-breakers-delete" },
  { method: "DELETE", path: Paths.menu, auth: "jwt", handler: "menu-delete" },
] as const satisfies readonly RouteDeclaration[];

/** Handlers of the routes the app calls with its JWT: these get the caller's tenant from the token's claims. */
export type JwtHandlerName = Extract<(typeof Routes)[number], { auth: "jwt" }>["handler"];

/**
 * Non-HTTP functions: the SQS sender, the scheduled token refresh, the SQS erasure worker, the stream-fed
 * `events` publisher, the outgoing webhook delivery, the scheduled window-closing detector (docs/events.md), the
 * SQS history import worker and the SQS profile fetch (docs/app-api.md).
 */
export const WorkerNames = [
  "sender",
  "token-refresh",
  "erasure",
  "events",
  "webhook-delivery",
  "history-import",
  "window-closing",
  "profile-fetch",
] as const;
export type WorkerName = (typeof WorkerNames)[number];
