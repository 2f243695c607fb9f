/**
 * The app team's client for the Instagram DM backend: `createInstagramDmClient({ baseUrl, getToken })`, its
 * body types (generated from docs/openapi.json) and the one error class. See client/README.md.
 */
export {
  type ConversationsQuery,
  createInstagramDmClient,
  type InstagramDmClient,
  type InstagramDmClientOptions,
  type PageQuery,
} from "./client";
export { InstagramDmError, UNEXPECTED_RESPONSE } from "./errors";
export type { components, operations, paths } from "./generated/openapi";
export { DEFAULT_RETRY, type RetryPolicy } from "./retry";
export type * from "./types";
