import type { HandlerName, WorkerName } from "../../lambdas/contract/routes";

/** DynamoDB item actions a function may be granted (never Scan, never table administration). */
export type TableAction =
  | "GetItem"
  | "Query"
  | "PutItem"
  | "UpdateItem"
  | "DeleteItem"
  | "BatchWriteItem"
  | "ConditionCheckItem";

/** What one function may touch. TransactWriteItems needs the action of each item (Put, Update, Delete). */
export interface FunctionAccess {
  readonly table?: readonly TableAction[];
  /** Reads the Meta credentials secret (app id and secret, webhook verify token): talks to Meta or checks its signatures. */
  readonly credentials?: true;
  /** Reads the token-key secret: seals or opens stored access tokens. */
  readonly tokenKey?: true;
  /** Sends to the outbound queue (message-send); the sender's own queue access is wired in Outbound. */
  readonly sendsToQueue?: true;
  /** Queues data deletion jobs (the callbacks; the erasure worker re-queues a job it has not finished). */
  readonly sendsToErasureQueue?: true;
  /** Queues history import steps (connect and the history route start an import; the worker queues each next step). */
  readonly sendsToHistoryQueue?: true;
  /** Queues customer profile fetches (the webhook, after storing a delivery). */
  readonly sendsToProfileQueue?: true;
}

/**
 * Every function's access, read from its handler and the adapters it calls. A new action shows up here and in
 * test/infra/access.test.ts, so widening a function is a reviewed change.
 */
export const Access: Record<HandlerName | WorkerName, FunctionAccess> = {
  // The verify token only.
  "webhook-verify": { credentials: true },
  // Inbound store (Update, TransactWrite of Updates, Get) and routing (Query on gsi1); also serves the
  // signed_request callbacks posted to the webhook URL, hence deauthorize's and data deletion's actions.
  "webhook-receive": {
    table: ["GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"],
    credentials: true,
    sendsToErasureQueue: true,
    sendsToProfileQueue: true,
  },
  // Consumes the OAuth state (Delete) and stores the completion ticket (Put); it connects nothing itself, but
  // exchanges the code (credentials) and seals the token into the ticket (token key).
  "oauth-callback": { table: ["PutItem", "DeleteItem"], credentials: true, tokenKey: true },
  // Finds the person (Query: their links, gsi1, gsi2), revokes their integrations and releases their claims.
  deauthorize: { table: ["GetItem", "Query", "PutItem", "DeleteItem"], credentials: true },
  // Creates the request's record (conditional Put, Get on a replay, Update once queued) and queues the job.
  "data-deletion": {
    table: ["GetItem", "PutItem", "UpdateItem"],
    credentials: true,
    sendsToErasureQueue: true,
  },
  "data-deletion-status": { table: ["GetItem"] },
  // Stores the OAuth state; the credentials hold the app id for the authorize URL.
  "oauth-init": { table: ["PutItem"], credentials: true },
  // Redeems the ticket (Delete), reads integration and claim, writes both in one transaction (Put, Delete),
  // and counts other organisations sharing the account (Query on gsi1); subscribing needs the opened token.
  // Then starts the history import: the job item (Put, then Update once its first step is queued).
  "oauth-complete": {
    table: ["GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"],
    credentials: true,
    tokenKey: true,
    sendsToHistoryQueue: true,
  },
  // The integration and its history job (Get), how many other organisations share its account (Query on gsi1).
  "integration-get": { table: ["GetItem", "Query"] },
  // The integration and the job (Get), a new job (conditional Put), its first step queued (Update). No secret.
  "integration-history": { table: ["GetItem", "PutItem", "UpdateItem"], sendsToHistoryQueue: true },
  // Revokes (Put of the integration, Delete of the claim) and checks other holders of the account (Query);
  // the best-effort revoke at Meta needs the decrypted token (also for removing ice breakers and menu there).
  // Removes the account's stored attachment ids (Query of their partition, BatchWrite of deletes).
  "integration-delete": {
    table: ["GetItem", "Query", "PutItem", "DeleteItem", "BatchWriteItem"],
    credentials: true,
    tokenKey: true,
  },
  "conversations-list": { table: ["GetItem", "Query"] },
  "conversation-messages": { table: ["GetItem", "Query"] },
  // Integration, conversation and the read-up-to message (Get); the conditional reset of unreadCount (Update);
  // the best-effort mark_seen at Meta needs the decrypted token.
  "conversation-read": { table: ["GetItem", "UpdateItem"], tokenKey: true },
  // Integration and conversation (Get: the window); typing_on/off at Meta needs the decrypted token.
  "conversation-typing": { table: ["GetItem"], tokenKey: true },
  // Message and idempotency record (Put), integration and reply window (Get), failed on enqueue error (Update).
  "message-send": { table: ["GetItem", "PutItem", "UpdateItem"], sendsToQueue: true },
  "message-get": { table: ["GetItem"] },
  // The customer message, integration and conversation (Get); its reactions map (Update); react at Meta: the token.
  "message-react": { table: ["GetItem", "UpdateItem"], tokenKey: true },
  "message-unreact": { table: ["GetItem", "UpdateItem"], tokenKey: true },
  // The caller's integration (Get) only: Instagram Login has no upload at Meta, so no token is opened.
  // The integration (Get), Meta's upload with the opened Page token, the attachment id stored (Put).
  "attachment-upload": { table: ["GetItem", "PutItem"], tokenKey: true },
  // The caller's integration (Get); Meta's messenger_profile (ice breakers, menu) with the decrypted token.
  "ice-breakers-get": { table: ["GetItem"], tokenKey: true },
  "ice-breakers-put": { table: ["GetItem"], tokenKey: true },
  "menu-get": { table: ["GetItem"], tokenKey: true },
  "menu-put": { table: ["GetItem"], tokenKey: true },
  "ice-breakers-delete": { table: ["GetItem"], tokenKey: true },
  "menu-delete": { table: ["GetItem"], tokenKey: true },
  // Message transitions and needs_reauth (Update), limiter (Get, Put, Update), sent: echo placeholder (Delete).
  sender: { table: ["GetItem", "PutItem", "UpdateItem", "DeleteItem"], tokenKey: true },
  // Expiring tokens (Query on gsi), each refreshed or cleared with a conditional Put; opens and re-seals them
  // (token key); the Instagram Login client is built from the app credentials.
  "token-refresh": { table: ["Query", "PutItem"], credentials: true, tokenKey: true },
  // Finds the person (Query), revokes (Put, Delete of claims in the transaction), erases in pages (Query,
  // BatchWrite of deletes, Delete of the limiter), keeps the job record (Get, Update), re-queues an unfinished job.
  // Neither secret: it never opens a token, it deletes them.
  erasure: {
    table: ["GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"],
    sendsToErasureQueue: true,
  },
  // The conversation (Get) and its profile fields (conditional Update), the organisation's integration of the
  // account (Query on gsi1) and the sender's throttle record (Get; Update to extend a pause Meta reported); the
  // token to read the profile needs the secret. Its queue's consume grant comes from the event source.
  "profile-fetch": { table: ["GetItem", "Query", "UpdateItem"], tokenKey: true },
  // Reads the table's stream (granted by its event source) and puts events on the bus; names the user of
  // inbound events (Query on gsi1: the account's integrations) and keeps the window-closing index (Update).
  events: { table: ["Query", "UpdateItem"] },
  // Neither table nor app secrets: its own signing secret and queue are granted in lib/constructs/events.ts.
  "webhook-delivery": {},
  // Reads each candidate conversation (Get) and writes its marker or index entry (Update); its Query on the
  // window index alone is granted in lib/constructs/events.ts.
  "window-closing": { table: ["GetItem", "UpdateItem"] },
  // Job and integration (Get), job commits and messages (Update, TransactWrite of Updates; the sent-mid pointer of an
  // API message: Get), the next step queued; the token to read Meta's Conversations API needs the secret.
  "history-import": { table: ["GetItem", "UpdateItem"], tokenKey: true, sendsToHistoryQueue: true },
};
