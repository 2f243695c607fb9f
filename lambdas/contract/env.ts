/**
 * Names of the environment variables that the stack, the handlers and local mode agree on.
 * Values carry names, ARNs, URLs and settings; never secret values.
 */
export const Env = {
  tableName: "TABLE_NAME",
  outboundQueueUrl: "OUTBOUND_QUEUE_URL",
  outboundDlqUrl: "OUTBOUND_DLQ_URL",
  /** Data deletion jobs (the callbacks queue them, the erasure worker re-queues a job it has not finished). */
  erasureQueueUrl: "ERASURE_QUEUE_URL",
  /** Profile fetch jobs (the webhook queues one per customer whose profile is due; docs/app-api.md). */
  profileQueueUrl: "PROFILE_QUEUE_URL",
  appSecretId: "APP_SECRET_ID",
  /** Local mode only: a JSON file standing in for the Secrets Manager secret. */
  localSecretsFile: "LOCAL_SECRETS_FILE",
  instagramOauthUrl: "INSTAGRAM_OAUTH_URL",
  instagramApiUrl: "INSTAGRAM_API_URL",
  instagramGraphUrl: "INSTAGRAM_GRAPH_URL",
  graphApiVersion: "GRAPH_API_VERSION",
  /** Base URL Meta and browsers reach this API on; builds the OAuth redirect URI. */
  publicBaseUrl: "PUBLIC_BASE_URL",
  jwtUserIdClaim: "JWT_USER_ID_CLAIM",
  jwtOrgIdClaim: "JWT_ORG_ID_CLAIM",
  returnToOrigins: "RETURN_TO_ORIGINS",
  oauthScopes: "OAUTH_SCOPES",
  sendCapPerHour: "SEND_CAP_PER_HOUR",
  humanAgentEnabled: "HUMAN_AGENT_ENABLED",
  dataDeletionStatusUrl: "DATA_DELETION_STATUS_URL",
  /** Token refresh: refresh long-lived tokens expiring within this many days. */
  tokenRefreshWindowDays: "TOKEN_REFRESH_WINDOW_DAYS",
  /** The custom EventBridge bus the `events` function publishes to (docs/events.md). */
  eventBusName: "EVENT_BUS_NAME",
  /** The app's webhook endpoint (stage config `appWebhookUrl`); set on the delivery function only. */
  appWebhookUrl: "APP_WEBHOOK_URL",
  /** The outgoing webhook queue: the delivery function delays failed events on it (backoff). */
  webhookQueueUrl: "WEBHOOK_QUEUE_URL",
  /** ARN of the generated webhook signing secret (Standard Webhooks, `whsec_…`). */
  appWebhookSecretId: "APP_WEBHOOK_SECRET_ID",
  serviceName: "POWERTOOLS_SERVICE_NAME",
  metricsNamespace: "POWERTOOLS_METRICS_NAMESPACE",
  logLevel: "POWERTOOLS_LOG_LEVEL",
} as const;

export type EnvName = (typeof Env)[keyof typeof Env];

/** Defaults used when a setting is not given; Meta hosts default to the real ones. */
export const Defaults = {
  instagramOauthUrl: "https://www.instagram.com",
  instagramApiUrl: "https://api.instagram.com",
  instagramGraphUrl: "https://graph.instagram.com",
  graphApiVersion: "v25.0",
  oauthScopes: "instagram_business_basic,instagram_business_manage_messages",
  sendCapPerHour: 200,
  tokenRefreshWindowDays: 10,
  jwtUserIdClaim: "sub",
  jwtOrgIdClaim: "imo_id",
  serviceName: "instagram-dm",
  metricsNamespace: "InstagramDm",
} as const;
