import { readFile } from "node:fs/promises";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import * as z from "zod";
import { Env } from "../contract/env";
import {
  type AppSecrets,
  CredentialFields,
  type MetaCredentials,
  TokenKeyFields,
  type TokenKeySecret,
} from "../contract/secrets";
import { registerSecretValue } from "../platform/redaction";
import { requiredEnv } from "../platform/runtime-config";
import { traced } from "../platform/tracer";

/** Loads one secret (or both); implementations cache so a warm container makes no extra round trip. */
export type Loader<T> = () => Promise<T>;
/** The Meta credentials secret: app id and secret, verify token (and the Facebook app's, when set). */
export type CredentialsLoader = Loader<MetaCredentials>;
/** The token-key secret: the keys that seal and open stored access tokens. */
export type TokenKeyLoader = Loader<TokenKeySecret>;
/** Both secrets, for the functions granted both. */
export type SecretsLoader = Loader<AppSecrets>;

const nonEmpty = z.string().min(1);
const optional = z.string().optional();
const CredentialsDocument = z.object({
  [CredentialFields.appId]: nonEmpty,
  [CredentialFields.appSecret]: nonEmpty,
  [CredentialFields.verifyToken]: nonEmpty,
  [CredentialFields.metaAppId]: optional,
  [CredentialFields.metaAppSecret]: optional,
});
const TokenKeyDocument = z.object({
  [TokenKeyFields.tokenEncryptionKey]: z.string().min(32),
  [TokenKeyFields.previousTokenEncryptionKeys]: optional,
});

/** Validates one secret's JSON; the error names the secret and its missing fields, never their values. */
function parseDocument<S extends z.ZodType>(json: string, schema: S, name: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error(`The ${name} secret is not a JSON object`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.join(".")).join(", ");
    throw new Error(`The ${name} secret is incomplete: set ${fields}`);
  }
  return result.data;
}

/** An empty optional field counts as unset (the stack's template writes empty strings). */
const present = (value: string | undefined) => (value === undefined || value === "" ? undefined : value);

/** The Meta credentials secret's JSON, validated; every value is registered with the log redaction. */
export function parseCredentialsDocument(json: string): MetaCredentials {
  const doc = parseDocument(json, CredentialsDocument, "Meta credentials");
  const appSecret = doc[CredentialFields.appSecret];
  const metaAppId = present(doc[CredentialFields.metaAppId]);
  const metaAppSecret = present(doc[CredentialFields.metaAppSecret]);
  for (const value of [appSecret, doc[CredentialFields.verifyToken], metaAppSecret]) {
    if (value) registerSecretValue(value);
  }
  return {
    appId: doc[CredentialFields.appId],
    appSecret,
    verifyToken: doc[CredentialFields.verifyToken],
    ...(metaAppId === undefined ? {} : { metaAppId }),
    ...(metaAppSecret === undefined ? {} : { metaAppSecret }),
    signingSecrets: metaAppSecret ? [appSecret, metaAppSecret] : [appSecret],
  };
}

/** The token-key secret's JSON, validated; every key is registered with the log redaction. */
export function parseTokenKeyDocument(json: string): TokenKeySecret {
  const doc = parseDocument(json, TokenKeyDocument, "token-key");
  const previousTokenEncryptionKeys = (doc[TokenKeyFields.previousTokenEncryptionKeys] ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  const tokenEncryptionKey = doc[TokenKeyFields.tokenEncryptionKey];
  for (const value of [tokenEncryptionKey, ...previousTokenEncryptionKeys]) registerSecretValue(value);
  return { tokenEncryptionKey, previousTokenEncryptionKeys };
}

/** Caches a loader's result for `ttlMs`; concurrent callers share one in-flight load; failures are not cached. */
export function cached<T>(load: Loader<T>, ttlMs: number, now: () => number = Date.now): Loader<T> {
  let entry: { value: Promise<T>; loadedAt: number } | undefined;
  return () => {
    if (entry === undefined || now() - entry.loadedAt > ttlMs) {
      const value = load();
      const current = { value, loadedAt: now() };
      entry = current;
      value.catch(() => {
        if (entry === current) entry = undefined;
      });
    }
    return entry.value;
  };
}

/**
 * Both secrets as one object, loaded in parallel. The same object comes back while neither secret changed,
 * so callers that derive keys or clients per secrets object (wiring/connect.ts) reuse them.
 */
export function bothSecrets(credentials: CredentialsLoader, tokenKey: TokenKeyLoader): SecretsLoader {
  let last: { credentials: MetaCredentials; tokenKey: TokenKeySecret; both: AppSecrets } | undefined;
  return async () => {
    const [loadedCredentials, loadedKey] = await Promise.all([credentials(), tokenKey()]);
    if (last?.credentials !== loadedCredentials || last.tokenKey !== loadedKey) {
      last = {
        credentials: loadedCredentials,
        tokenKey: loadedKey,
        both: { ...loadedCredentials, ...loadedKey },
      };
    }
    return last.both;
  };
}

const FIVE_MINUTES = 5 * 60 * 1000;

/**
 * One secret from Secrets Manager through Powertools Parameters, which caches the value for `maxAgeMs` (failures
 * are not cached). The parsed value is kept while the raw value is unchanged, so it keeps its identity.
 */
export function secretsManagerLoader<T>(
  client: SecretsManagerClient,
  secretId: string,
  parse: (json: string) => T,
  maxAgeMs = FIVE_MINUTES,
): Loader<T> {
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  let last: { raw: string; parsed: T } | undefined;
  return async () => {
    const raw = await provider.get(secretId, { maxAge: Math.floor(maxAgeMs / 1000) });
    if (typeof raw !== "string") throw new Error(`The secret ${secretId} has no string value`);
    if (last?.raw !== raw) last = { raw, parsed: parse(raw) };
    return last.parsed;
  };
}

/**
 * Local mode's stand-in for Secrets Manager: one JSON file holding both secrets' fields. Each loader cuts out
 * only its own secret's fields and parses them as the AWS secret would be, so a function that reads the wrong
 * secret fails locally as it would in AWS.
 */
export function localFileLoader<T>(
  path: string,
  fields: Readonly<Record<string, string>>,
  parse: (json: string) => T,
): Loader<T> {
  return async () => {
    let document: unknown;
    try {
      document = JSON.parse(await readFile(path, "utf8"));
    } catch {
      throw new Error(`The local secrets file ${path} is not a JSON object`);
    }
    const source =
      typeof document === "object" && document !== null ? (document as Record<string, unknown>) : {};
    const own = Object.fromEntries(
      Object.values(fields).flatMap((field) => (field in source ? [[field, source[field]]] : [])),
    );
    return parse(JSON.stringify(own));
  };
}

let sharedClient: SecretsManagerClient | undefined;
/** One traced SDK client per container, shared by the two secrets' loaders. */
function secretsManager(): SecretsManagerClient {
  sharedClient ??= traced(new SecretsManagerClient({}));
  return sharedClient;
}

/** This container's Meta credentials: the local file when LOCAL_SECRETS_FILE is set, else APP_SECRET_ID. */
export function credentialsLoaderFromEnv(): CredentialsLoader {
  const localFile = process.env[Env.localSecretsFile];
  if (localFile)
    return cached(localFileLoader(localFile, CredentialFields, parseCredentialsDocument), FIVE_MINUTES);
  return secretsManagerLoader(secretsManager(), requiredEnv(Env.appSecretId), parseCredentialsDocument);
}

/** This container's token keys: the local file when LOCAL_SECRETS_FILE is set, else TOKEN_KEY_SECRET_ID. */
export function tokenKeyLoaderFromEnv(): TokenKeyLoader {
  const localFile = process.env[Env.localSecretsFile];
  if (localFile)
    return cached(localFileLoader(localFile, TokenKeyFields, parseTokenKeyDocument), FIVE_MINUTES);
  return secretsManagerLoader(secretsManager(), requiredEnv(Env.tokenKeySecretId), parseTokenKeyDocument);
}

/** Both secrets, for the functions granted both (lib/constructs/function-access.ts). */
export function secretsLoaderFromEnv(): SecretsLoader {
  return bothSecrets(credentialsLoaderFromEnv(), tokenKeyLoaderFromEnv());
}
