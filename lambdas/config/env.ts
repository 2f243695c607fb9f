import { Defaults, Env } from "../contract/env";
import { metaHostsFromEnv, optionalEnv, requiredEnv } from "../platform/runtime-config";
import type { ConnectConfig } from "../wiring/connect";
import type { HistoryConfig } from "../wiring/history";
import type { OutboundConfig } from "../wiring/outbound";
import type { PublicUrlConfig } from "../wiring/public-urls";
import type { WebhookConfig } from "../wiring/webhook";

/**
 * The one place a feature's settings are read from the environment; handlers call these once at module
 * scope and pass the result to the feature's wiring factory (which never reads `process.env`).
 */

/** The public base URL and status-page URL; both may be unset where no URL is built. */
export function publicUrlConfigFromEnv(): PublicUrlConfig {
  return {
    publicBaseUrl: optionalEnv(Env.publicBaseUrl, ""),
    dataDeletionStatusUrl: optionalEnv(Env.dataDeletionStatusUrl, ""),
  };
}

export function connectConfigFromEnv(): ConnectConfig {
  return {
    ...publicUrlConfigFromEnv(),
    tableName: requiredEnv(Env.tableName),
    metaHosts: metaHostsFromEnv(),
    returnToOrigins: optionalEnv(Env.returnToOrigins, ""),
    oauthScopes: optionalEnv(Env.oauthScopes, Defaults.oauthScopes),
    erasureQueueUrl: optionalEnv(Env.erasureQueueUrl, ""),
    historyQueueUrl: optionalEnv(Env.historyQueueUrl, ""),
    loginFlavours: optionalEnv(Env.loginFlavours, Defaults.loginFlavours),
    facebookOauthScopes: optionalEnv(Env.facebookOauthScopes, Defaults.facebookOauthScopes),
  };
}

/** The outbound settings; the dead-letter queue only where the function has it (the sender). */
export function outboundConfigFromEnv(): OutboundConfig {
  const dlqUrl = optionalEnv(Env.outboundDlqUrl, "");
  return {
    tableName: requiredEnv(Env.tableName),
    queueUrl: requiredEnv(Env.outboundQueueUrl),
    ...(dlqUrl === "" ? {} : { dlqUrl }),
    capPerHour: Number(optionalEnv(Env.sendCapPerHour, String(Defaults.sendCapPerHour))),
    metaHosts: metaHostsFromEnv(),
    humanAgentEnabled: optionalEnv(Env.humanAgentEnabled, "false") === "true",
  };
}

/** The token refresh window in days, as configured. */
export function refreshWindowDaysFromEnv(): number {
  return Number(optionalEnv(Env.tokenRefreshWindowDays, String(Defaults.tokenRefreshWindowDays)));
}

/** The webhook's settings: the table, and the erasure queue for data deletion requests posted to its URL. */
export function webhookConfigFromEnv(concurrency: number): WebhookConfig {
  return {
    ...publicUrlConfigFromEnv(),
    tableName: requiredEnv(Env.tableName),
    concurrency,
    erasureQueueUrl: optionalEnv(Env.erasureQueueUrl, ""),
    profileQueueUrl: optionalEnv(Env.profileQueueUrl, ""),
  };
}

/** The profile fetch worker's settings: the table, its own queue (for retries) and Meta's hosts. */
export function profileConfigFromEnv() {
  return {
    tableName: requiredEnv(Env.tableName),
    queueUrl: requiredEnv(Env.profileQueueUrl),
    metaHosts: metaHostsFromEnv(),
  };
}

/** The history import's settings: the table, Meta's hosts and the step queue. */
export function historyConfigFromEnv(): HistoryConfig {
  return {
    tableName: requiredEnv(Env.tableName),
    metaHosts: metaHostsFromEnv(),
    queueUrl: optionalEnv(Env.historyQueueUrl, ""),
  };
}
