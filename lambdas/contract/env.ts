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
  /** History import steps (connect and `POST /instagram/integration/history` queue the first; the worker the rest). */
  historyQueueUrl: "HISTORY_QUEUE_URL",
  /** ARN of the Meta credentials secret (app id and secret, webhook verify token). */
  appSecretId: "APP_SECRET_ID",
  /** ARN of the token-key secret (the keys that seal stored access tokens); only functions that open tokens. */
  tokenKeySecretId: "TOKEN_KEY_SECRET_ID",
  /** Local mode only: a JSON file standing in for both Secrets Manager secrets (each loader reads its fields). */
  localSecretsFile: "LOCAL_SECRETS_FILE",
  instagramOauthUrl: "INSTAGRAM_OAUTH_URL",
  instagramApiUrl: "INSTAGRAM_API_URL",
  instagramGraphUrl: "INSTAGRAM_GRAPH_URL",
  /** Facebook Login flavour: the dialog host (www.facebook.com) and graph.facebook.com. */
  facebookOauthUrl: "FACEBOOK_OAUTH_URL",
  facebookGraphUrl: "FACEBOOK_GRAPH_URL",
  /** Comma-separated login flavours the stage enables (`instagram`, `facebook`). */
  loginFlavours: "LOGIN_FLAVOURS",
  /** Comma-separated scopes of the Facebook Login dialog. */
  facebookOauthScopes: "FACEBOOK_OAUTH_SCOPES",
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
  facebookOauthUrl: "https://www.facebook.com",
  facebookGraphUrl: "https://graph.facebook.com",
  loginFlavours: "instagram",
  /** Setup guide Part 5 (Messenger API for Instagram) plus `pages_show_list`, which `/me/accounts` needs. */
  facebookOauthScopes:
    "instagram_basic,instagram_manage_messages,pages_manage_metadata,pages_read_engagement,pages_messaging,pages_show_list",
  graphApiVersion: "v25.0",
  oauthScopes: "instagram_business_basic,instagram_business_manage_messages",
  sendCapPerHour: 200,
  tokenRefreshWindowDays: 10,
  jwtUserIdClaim: "sub",
  jwtOrgIdClaim: "imo_id",
  serviceName: "instagram-dm",
  metricsNamespace: "InstagramDm",
} as const;
