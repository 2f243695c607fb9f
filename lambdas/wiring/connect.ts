import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoConnectTicketStore } from "../adapters/dynamo/connect-tickets";
import { dynamoDataDeletionStore } from "../adapters/dynamo/data-deletion";
import { dynamoErasureStore } from "../adapters/dynamo/erasure";
import { dynamoIntegrationStore } from "../adapters/dynamo/integrations";
import { dynamoOAuthStateStore } from "../adapters/dynamo/oauth-states";
import { facebookLogin } from "../adapters/meta/facebook-login";
import { instagramLogin } from "../adapters/meta/instagram-login";
import { sqsErasureQueue } from "../adapters/sqs/erasure-queue";
import { missingQueue } from "../adapters/sqs/missing-queue";
import { Defaults, Env } from "../contract/env";
import type { AppSecrets, MetaCredentials, TokenKeySecret } from "../contract/secrets";
import { LOGIN_FLAVOURS, type LoginFlavour } from "../contract/vocabulary";
import type { FacebookLogin } from "../domain/connect/facebook-ports";
import { type OAuthSettings, parseAllowedOrigins } from "../domain/connect/oauth-start";
import type { InstagramLogin } from "../domain/connect/ports";
import {
  DEFAULT_REFRESH_POLICY,
  type RefreshPolicy,
  type RefreshReport,
  refreshDueTokens,
} from "../domain/connect/refresh";
import { AppError } from "../domain/errors";
import { startHistoryImport } from "../domain/history/import";
import type { Tenant } from "../domain/tenant";
import { type TokenKeys, tokenKeysFrom } from "../domain/token-seal";
import { logger } from "../platform/logger";
import type { MetaHosts } from "../platform/runtime-config";
import { historyWiring } from "./history";
import { metaErrorFields } from "./log-fields";
import { type PublicUrlConfig, publicUrls } from "./public-urls";
import { signedRequestCallbacks } from "./signed-request";

/** What the connect flow reads from its stage settings (handlers read them from the environment once). */
export interface ConnectConfig extends PublicUrlConfig {
  readonly tableName: string;
  readonly metaHosts: MetaHosts;
  /** The comma-separated app origins the OAuth flow may return to. */
  readonly returnToOrigins: string;
  /** The comma-separated scopes requested. */
  readonly oauthScopes: string;
  /** Where data deletion jobs are queued; empty where the function queues none. */
  readonly erasureQueueUrl?: string;
  /** Where history import steps are queued (a completed connect starts one); empty where none is. */
  readonly historyQueueUrl?: string;
  /** The comma-separated login flavours enabled (default `instagram`). */
  readonly loginFlavours?: string;
  /** The comma-separated scopes of the Facebook Login dialog (default: Defaults.facebookOauthScopes). */
  readonly facebookOauthScopes?: string;
}

const list = (text: string) =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

/** Parses the enabled flavours; an unknown name fails the cold start. */
export function parseLoginFlavours(text: string): LoginFlavour[] {
  const flavours = list(text);
  for (const flavour of flavours) {
    if (!(LOGIN_FLAVOURS as readonly string[]).includes(flavour))
      throw new Error(`Unknown login flavour: ${flavour}`);
  }
  return flavours as LoginFlavour[];
}

export interface ConnectClients {
  readonly db: DynamoDBDocumentClient;
  /** Needed where an erasure queue is configured. */
  readonly sqs?: SQSClient;
  readonly now?: () => number;
  /** Every token is masked in logs from the moment the process holds it. */
  readonly onSecret: (value: string) => void;
}

/**
 * The connect flow's dependencies (OAuth, integration, deauthorize, data deletion, token refresh): stores,
 * settings and the per-secret caches (token keys, the Instagram Login client), built once per container.
 */
export function connectWiring(config: ConnectConfig, clients: ConnectClients) {
  const now = clients.now ?? (() => Date.now());
  const integrations = dynamoIntegrationStore(clients.db, config.tableName);
  const dataDeletions = dynamoDataDeletionStore(clients.db, config.tableName);
  const erasure = dynamoErasureStore(clients.db, config.tableName);
  const erasureQueue =
    config.erasureQueueUrl && clients.sqs
      ? sqsErasureQueue(clients.sqs, config.erasureQueueUrl)
      : missingQueue(Env.erasureQueueUrl, "data deletion jobs");
  const urls = publicUrls(config);

  const keysBySecrets = new WeakMap<TokenKeySecret, TokenKeys>();
  /** Token keys for these secrets, derived once per loaded secret (HKDF is not free). */
  function tokenKeys(secrets: TokenKeySecret): TokenKeys {
    let keys = keysBySecrets.get(secrets);
    if (keys === undefined) {
      keys = tokenKeysFrom(secrets);
      keysBySecrets.set(secrets, keys);
    }
    return keys;
  }

  const loginBySecrets = new WeakMap<MetaCredentials, InstagramLogin>();
  /** The Instagram Login client bound to this app's id and secret. */
  function loginClient(secrets: MetaCredentials): InstagramLogin {
    let login = loginBySecrets.get(secrets);
    if (login === undefined) {
      login = instagramLogin(config.metaHosts, { appId: secrets.appId, appSecret: secrets.appSecret });
      loginBySecrets.set(secrets, login);
    }
    return login;
  }

  const facebookBySecrets = new WeakMap<MetaCredentials, FacebookLogin>();
  /** The Facebook Login client bound to the Facebook app (`META_APP_ID`/`META_APP_SECRET`); undefined without it. */
  function facebookClient(secrets: MetaCredentials): FacebookLogin | undefined {
    const { metaAppId, metaAppSecret } = secrets;
    if (metaAppId === undefined || metaAppSecret === undefined) return undefined;
    let login = facebookBySecrets.get(secrets);
    if (login === undefined) {
      login = facebookLogin(config.metaHosts, { appId: metaAppId, appSecret: metaAppSecret });
      facebookBySecrets.set(secrets, login);
    }
    return login;
  }

  const enabledFlavours = parseLoginFlavours(config.loginFlavours ?? Defaults.loginFlavours);
  const facebookScopes = list(config.facebookOauthScopes ?? Defaults.facebookOauthScopes);
  const allowedOrigins = parseAllowedOrigins(config.returnToOrigins);
  const oauthScopes = list(config.oauthScopes);
  /** The authorize step's settings for these secrets (the Facebook dialog only when the Facebook app is set). */
  function oauthSettings(secrets: MetaCredentials, redirectUri: string): OAuthSettings {
    return {
      oauthUrl: config.metaHosts.oauthUrl,
      appId: secrets.appId,
      redirectUri,
      scopes: oauthScopes,
      allowedOrigins,
      enabledFlavours,
      ...(secrets.metaAppId === undefined || secrets.metaAppSecret === undefined
        ? {}
        : {
            facebook: {
              dialogUrl: config.metaHosts.facebookOauthUrl ?? Defaults.facebookOauthUrl,
              graphVersion: config.metaHosts.graphVersion,
              appId: secrets.metaAppId,
              scopes: facebookScopes,
            },
          }),
    };
  }

  /** Runs the token refresh once (the scheduled Lambda; local mode calls it on demand). */
  function runTokenRefresh(secrets: AppSecrets, policy: RefreshPolicy): Promise<RefreshReport> {
    return refreshDueTokens({
      store: integrations,
      login: loginClient(secrets),
      keys: tokenKeys(secrets),
      now,
      policy,
      onSecret: clients.onSecret,
      onFailure: (integration, error) =>
        logger.warn("token refresh failed", {
          imoId: integration.imoId,
          userId: integration.userId,
          igAccountId: integration.igAccountId,
          ...metaErrorFields(error),
        }),
    });
  }

  const history = historyWiring(
    { tableName: config.tableName, metaHosts: config.metaHosts, queueUrl: config.historyQueueUrl ?? "" },
    { db: clients.db, ...(clients.sqs ? { sqs: clients.sqs } : {}), now },
  );
  /**
   * Starts the history import of a just-connected account. Best effort: the connection stands whatever happens
   * here (the app can start it again with `POST /instagram/integration/history`).
   */
  async function startHistory(tenant: Tenant): Promise<"started" | "running" | "failed" | "no_queue"> {
    // Without a queue (a function or harness configured without one) no job item is written: it would read
    // `running` with nothing ever running it.
    if (!config.historyQueueUrl) return "no_queue";
    try {
      await startHistoryImport(history.deps(), tenant);
      return "started";
    } catch (error) {
      if (error instanceof AppError && error.code === "history.already_running") return "running";
      logger.warn("history import not started", {
        imoId: tenant.imoId,
        userId: tenant.userId,
        error: error instanceof Error ? error.message : String(error),
      });
      return "failed";
    }
  }

  return {
    integrations,
    startHistory,
    oauthStates: dynamoOAuthStateStore(clients.db, config.tableName),
    connectTickets: dynamoConnectTicketStore(clients.db, config.tableName),
    dataDeletions,
    erasure,
    erasureQueue,
    metaHosts: config.metaHosts,
    /** Parsed at load so a malformed allow-list fails the cold start, not the first user. */
    allowedOrigins,
    oauthScopes,
    enabledFlavours,
    oauthSettings,
    facebookClient,
    now,
    onSecret: clients.onSecret,
    ...urls,
    tokenKeys,
    loginClient,
    runTokenRefresh,
    signedRequestCallback: signedRequestCallbacks({
      integrations,
      dataDeletions,
      erasure,
      erasureQueue,
      now,
      statusUrl: urls.dataDeletionStatusUrl,
    }),
  };
}

export type ConnectWiring = ReturnType<typeof connectWiring>;

/** The refresh policy for a window in days (Meta's 24-hour minimum age); out-of-range windows fail. */
export function refreshPolicy(days: number, settingName = "tokenRefreshWindowDays"): RefreshPolicy {
  if (!Number.isFinite(days) || days <= 0 || days >= 60) {
    throw new Error(`${settingName} must be a number of days between 0 and 60`);
  }
  return { ...DEFAULT_REFRESH_POLICY, windowMs: days * 24 * 60 * 60 * 1000 };
}
