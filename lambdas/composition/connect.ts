import { documentClient } from "../adapters/dynamo/client";
import { dynamoDataDeletionStore } from "../adapters/dynamo/data-deletion";
import { dynamoIntegrationStore } from "../adapters/dynamo/integrations";
import { dynamoOAuthStateStore } from "../adapters/dynamo/oauth-states";
import { instagramLogin } from "../adapters/meta/instagram-login";
import { type SecretsLoader, secretsLoaderFromEnv } from "../adapters/secrets";
import { Defaults, Env } from "../contract/env";
import { Paths } from "../contract/routes";
import type { AppSecrets } from "../contract/secrets";
import { deauthorize, eraseUserData } from "../domain/connect/lifecycle";
import { parseAllowedOrigins } from "../domain/connect/oauth-start";
import type { InstagramLogin } from "../domain/connect/ports";
import {
  DEFAULT_REFRESH_POLICY,
  type RefreshPolicy,
  type RefreshReport,
  refreshDueTokens,
} from "../domain/connect/refresh";
import { verifySignedRequest } from "../domain/connect/signed-request";
import { type TokenKeys, tokenKeysFrom } from "../domain/token-seal";
import { logger } from "../platform/logger";
import { registerSecretValue } from "../platform/redaction";
import { metaHostsFromEnv, optionalEnv, requiredEnv } from "../platform/runtime-config";

/**
 * The connect flow's dependencies, built once per container and shared by the OAuth, integration,
 * deauthorize, data deletion and token refresh handlers (and by webhook-receive for signed_request bodies).
 * Settings only some handlers need (the public base URL) are read by those handlers' accessors.
 */
const db = documentClient();
const tableName = requiredEnv(Env.tableName);

export const integrations = dynamoIntegrationStore(db, tableName);
export const oauthStates = dynamoOAuthStateStore(db, tableName);
export const dataDeletions = dynamoDataDeletionStore(db, tableName);
export const metaHosts = metaHostsFromEnv();
let cachedLoader: SecretsLoader | undefined;
/**
 * The (cached) secrets loader. Built on first call, so handlers that never touch secrets (integration-get,
 * data-deletion-status) need no secret configured; handlers that do call it at module scope to fail fast.
 */
export function secretsLoader(): SecretsLoader {
  cachedLoader ??= secretsLoaderFromEnv();
  return cachedLoader;
}

/** Parsed at load so a malformed allow-list fails the cold start, not the first user. */
export const allowedOrigins = parseAllowedOrigins(optionalEnv(Env.returnToOrigins, ""));
export const oauthScopes = optionalEnv(Env.oauthScopes, Defaults.oauthScopes)
  .split(",")
  .map((scope) => scope.trim())
  .filter((scope) => scope !== "");

/** The public base URL (API Gateway's, or the custom domain), without a trailing slash. */
export function publicBaseUrl(): string {
  return requiredEnv(Env.publicBaseUrl).replace(/\/+$/, "");
}

/** The OAuth redirect URI: the same string at authorize and at code exchange, and in Meta's dashboard. */
export function redirectUri(): string {
  return `${publicBaseUrl()}${Paths.oauthCallback}`;
}

/** Where Meta sends the person to check a deletion: DATA_DELETION_STATUS_URL (`{code}` or `?code=`) or our route. */
export function dataDeletionStatusUrl(code: string): string {
  const configured = optionalEnv(Env.dataDeletionStatusUrl, "");
  if (configured === "") return `${publicBaseUrl()}${Paths.dataDeletionStatus.replace("{code}", code)}`;
  if (configured.includes("{code}")) return configured.replace("{code}", encodeURIComponent(code));
  const url = new URL(configured);
  url.searchParams.set("code", code);
  return url.href;
}

const keysBySecrets = new WeakMap<AppSecrets, TokenKeys>();
/** Token keys for these secrets, derived once per loaded secret (HKDF is not free). */
export function tokenKeys(secrets: AppSecrets): TokenKeys {
  let keys = keysBySecrets.get(secrets);
  if (keys === undefined) {
    keys = tokenKeysFrom(secrets);
    keysBySecrets.set(secrets, keys);
  }
  return keys;
}

const loginBySecrets = new WeakMap<AppSecrets, InstagramLogin>();
/** The Instagram Login client bound to this app's id and secret. */
export function loginClient(secrets: AppSecrets): InstagramLogin {
  let login = loginBySecrets.get(secrets);
  if (login === undefined) {
    login = instagramLogin(metaHosts, { appId: secrets.appId, appSecret: secrets.appSecret });
    loginBySecrets.set(secrets, login);
  }
  return login;
}

export const now = (): number => Date.now();

/** Every token is masked in logs from the moment the process holds it. */
export const onSecret = (value: string): void => registerSecretValue(value);

/**
 * Deauthorize and data deletion, after verifying the signed_request (any of the app's signing secrets).
 * Callable from the dedicated routes and from webhook-receive (the setup guide points both callbacks at the
 * webhook URL). A bad signature throws AppError (400/403) before anything is read or written.
 *
 * `"infer"` is for the shared webhook URL, where the route does not say which callback it is: a payload with
 * `expires` is a data deletion request (Meta's documented data deletion fields), one without is a deauthorize.
 * Pointing the two dashboard fields at their own routes avoids the guess.
 */
export async function processSignedRequest(
  kind: "deauthorize" | "data_deletion" | "infer",
  signedRequest: string,
  secrets: AppSecrets,
): Promise<SignedRequestOutcome> {
  const payload = verifySignedRequest(signedRequest, secrets.signingSecrets);
  const resolved =
    kind === "infer" ? (payload.expires === undefined ? "deauthorize" : "data_deletion") : kind;
  if (resolved === "deauthorize") {
    const { revoked } = await deauthorize(payload.userId, { store: integrations, now });
    logger.info("deauthorize processed", { revoked, inferred: kind === "infer" });
    return { kind: "deauthorized" };
  }
  const record = await eraseUserData(payload.userId, { store: integrations, deletions: dataDeletions, now });
  logger.info("data deletion processed", {
    confirmationCode: record.code,
    erased: record.erased,
    inferred: kind === "infer",
  });
  return {
    kind: "data_deletion",
    statusUrl: dataDeletionStatusUrl(record.code),
    confirmationCode: record.code,
  };
}

/** What a verified signed_request callback did; the HTTP module answers Meta from it. */
export type SignedRequestOutcome =
  | { readonly kind: "deauthorized" }
  | { readonly kind: "data_deletion"; readonly statusUrl: string; readonly confirmationCode: string };

/** The refresh policy from the environment (window in days; Meta's 24-hour minimum age). */
export function refreshPolicyFromEnv(): RefreshPolicy {
  const days = Number(optionalEnv(Env.tokenRefreshWindowDays, String(Defaults.tokenRefreshWindowDays)));
  if (!Number.isFinite(days) || days <= 0 || days >= 60) {
    throw new Error(`${Env.tokenRefreshWindowDays} must be a number of days between 0 and 60`);
  }
  return { ...DEFAULT_REFRESH_POLICY, windowMs: days * 24 * 60 * 60 * 1000 };
}

/** Runs the token refresh once (the scheduled Lambda; local mode calls it on demand). */
export async function runTokenRefresh(
  options: { now?: () => number; policy?: RefreshPolicy } = {},
): Promise<RefreshReport> {
  const secrets = await secretsLoader()();
  return refreshDueTokens({
    store: integrations,
    login: loginClient(secrets),
    keys: tokenKeys(secrets),
    now: options.now ?? now,
    policy: options.policy ?? refreshPolicyFromEnv(),
    onSecret,
    onFailure: (integration, error) =>
      logger.warn("token refresh failed", {
        imoId: integration.imoId,
        userId: integration.userId,
        igAccountId: integration.igAccountId,
        ...metaErrorFields(error),
      }),
  });
}

/** Meta's code, subcode and trace id of an error, for a log line (never a token: messages are masked). */
export function metaErrorFields(error: unknown): Record<string, unknown> {
  if (typeof error !== "object" || error === null) return { error: String(error) };
  const fields = error as {
    code?: unknown;
    subcode?: unknown;
    fbtraceId?: unknown;
    message?: unknown;
    name?: unknown;
  };
  return {
    errorName: fields.name,
    metaCode: fields.code,
    metaSubcode: fields.subcode,
    fbtrace_id: fields.fbtraceId,
    errorMessage: fields.message,
  };
}
