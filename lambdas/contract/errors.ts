/**
 * Stable error codes, each with the HTTP status and title it maps to. Clients branch on `code`;
 * the mapping to HTTP lives here and only here (used by lambdas/http/responses.ts and the OpenAPI document).
 */
export const ErrorCatalog = {
  "request.invalid": { status: 400, title: "The request is invalid" },
  "request.too_large": { status: 413, title: "The request body is too large" },
  "request.unsupported_media_type": { status: 415, title: "The content type is not supported" },
  "auth.unauthorized": { status: 401, title: "A valid bearer token is required" },
  "resource.not_found": { status: 404, title: "Not found" },
  "webhook.signature_invalid": { status: 401, title: "The webhook signature is missing or wrong" },
  "webhook.verify_token_mismatch": { status: 403, title: "The verify token does not match" },
  "webhook.body_invalid": { status: 400, title: "The webhook body is not a valid delivery" },
  "signed_request.invalid": { status: 400, title: "The signed_request is malformed" },
  "signed_request.signature_invalid": { status: 403, title: "The signed_request signature does not match" },
  "signed_request.stale": {
    status: 400,
    title: "The signed_request was issued too long ago (or in the future)",
  },
  "oauth.return_to_not_allowed": { status: 400, title: "returnTo is not an allowed app origin" },
  "oauth.state_invalid": { status: 400, title: "The sign-in link is unknown or was already used" },
  "oauth.state_expired": { status: 400, title: "The sign-in link has expired" },
  "oauth.ticket_invalid": { status: 400, title: "The connect ticket is unknown, already used, or not yours" },
  "oauth.ticket_expired": { status: 400, title: "The connect ticket has expired" },
  "oauth.flavour_disabled": { status: 400, title: "This login flavour is not enabled on this stage" },
  "oauth.page_invalid": { status: 400, title: "The pageId is not one of the ticket's Pages" },
  "oauth.no_linked_instagram_account": {
    status: 400,
    title: "None of the granted Facebook Pages has a linked Instagram professional account",
  },
  "oauth.subscribe_failed": { status: 502, title: "Instagram refused the webhook subscription" },
  "integration.not_connected": { status: 409, title: "No connected Instagram account" },
  "integration.needs_reauth": { status: 409, title: "The Instagram account must be reconnected" },
  "history.already_running": { status: 409, title: "A history import of this account is already running" },
  "send.window_closed": { status: 409, title: "The reply window for this conversation is closed" },
  "send.human_agent_disabled": { status: 400, title: "The HUMAN_AGENT tag is not enabled" },
  "attachments.unsupported_for_login_flavour": {
    status: 409,
    title: "Meta offers attachment upload only to Facebook Login (Page token) integrations",
  },
  "attachments.upload_refused": {
    status: 422,
    title: "Meta refused to upload the media (unreachable, unsupported or too large)",
  },
  "idempotency.key_reused": { status: 422, title: "The Idempotency-Key was used with a different body" },
  "dependency.unavailable": { status: 503, title: "A dependency is unavailable; retry later" },
  internal: { status: 500, title: "Internal error" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ErrorCatalog;
