/**
 * A local stand-in for Meta's Instagram hosts (www.instagram.com, api.instagram.com, graph.instagram.com on one
 * base URL), speaking the responses of shared/reference/graph-responses.md. See docs/meta-simulator.md.
 */

export {
  DEFAULT_FACEBOOK_PAGE,
  DEFAULT_FACEBOOK_USER,
  type FacebookSimulator,
  INVALIDATION_SUBCODE,
  type InvalidationReason,
  PAGE_SUBSCRIBABLE_FIELDS,
  type SimFacebookPage,
  type SimFacebookUser,
} from "./facebook-model";
export type { FacebookOptions } from "./facebook-state";
export { type GraphError, GraphErrors, igOAuthError } from "./graph-errors";
export { metaJson, signedRequest, signMetaBody } from "./signing";
export {
  type CustomerMessageInput,
  type CustomerMessageResult,
  DEFAULT_ACCOUNT,
  DEFAULT_CUSTOMER_IGSID,
  type Delivery,
  EXAMPLE_PERSONAL_ACCOUNT,
  type Fault,
  type FaultKind,
  FaultKinds,
  type FaultTarget,
  FaultTargets,
  type MetaSimulator,
  PROFILE_FIELDS,
  type RecordedRequest,
  type SentMessage,
  type SimAccount,
  type SimOptions,
  SUBSCRIBABLE_FIELDS,
  startMetaSimulator,
} from "./simulator";
export * as WebhookPayloads from "./webhook-payloads";
