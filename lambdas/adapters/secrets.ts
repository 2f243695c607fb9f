import { readFile } from "node:fs/promises";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import * as z from "zod";
import { Env } from "../contract/env";
import { type AppSecrets, SecretFields } from "../contract/secrets";
import { registerSecretValue } from "../platform/redaction";
import { requiredEnv } from "../platform/runtime-config";
import { traced } from "../platform/tracer";

/** Loads the application secret; implementations cache so a warm container makes no extra round trip. */
export type SecretsLoader = () => Promise<AppSecrets>;

const nonEmpty = z.string().min(1);
const SecretDocument = z.object({
  [SecretFields.appId]: nonEmpty,
  [SecretFields.appSecret]: nonEmpty,
  [SecretFields.verifyToken]: nonEmpty,
  [SecretFields.tokenEncryptionKey]: z.string().min(32),
  [SecretFields.previousTokenEncryptionKeys]: z.string().optional(),
  [SecretFields.metaAppSecret]: z.string().optional(),
  [SecretFields.metaAppId]: z.string().optional(),
});

/** Validates the secret's JSON; the error names the missing fields, never their values. */
export function parseSecretDocument(json: string): AppSecrets {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error("The application secret is not a JSON object");
  }
  const result = SecretDocument.safeParse(raw);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.join(".")).join(", ");
    throw new Error(`The application secret is incomplete: set ${fields}`);
  }
  const doc = result.data;
  const list = (value: string | undefined) =>
    (value ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  const appSecret = doc[SecretFields.appSecret];
  const metaAppSecret = doc[SecretFields.metaAppSecret];
  const secrets: AppSecrets = {
    appId: doc[SecretFields.appId],
    appSecret,
    verifyToken: doc[SecretFields.verifyToken],
    tokenEncryptionKey: doc[SecretFields.tokenEncryptionKey],
    previousTokenEncryptionKeys: list(doc[SecretFields.previousTokenEncryptionKeys]),
    signingSecrets: metaAppSecret ? [appSecret, metaAppSecret] : [appSecret],
    ...(doc[SecretFields.metaAppId] ? { metaAppId: doc[SecretFields.metaAppId] } : {}),
    ...(metaAppSecret ? { metaAppSecret } : {}),
  };
  for (const value of [secrets.appSecret, secrets.verifyToken, secrets.tokenEncryptionKey, metaAppSecret]) {
    if (value) registerSecretValue(value);
  }
  for (const value of secrets.previousTokenEncryptionKeys) registerSecretValue(value);
  return secrets;
}

/** Caches a loader's result for `ttlMs`; concurrent callers share one in-flight load; failures are not cached. */
export function cached(load: SecretsLoader, ttlMs: number, now: () => number = Date.now): SecretsLoader {
  let entry: { value: Promise<AppSecrets>; loadedAt: number } | undefined;
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

const FIVE_MINUTES = 5 * 60 * 1000;

/**
 * The secret from Secrets Manager through Powertools Parameters, which caches the value for `maxAgeMs` (failures
 * are not cached). The parsed secrets are kept while the value is unchanged, so callers that derive keys or
 * clients per secrets object (wiring/connect.ts) reuse them.
 */
export function secretsManagerLoader(
  client: SecretsManagerClient,
  secretId: string,
  maxAgeMs = FIVE_MINUTES,
): SecretsLoader {
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  let last: { raw: string; secrets: AppSecrets } | undefined;
  return async () => {
    const raw = await provider.get(secretId, { maxAge: Math.floor(maxAgeMs / 1000) });
    if (typeof raw !== "string") throw new Error("The application secret has no string value");
    if (last?.raw !== raw) last = { raw, secrets: parseSecretDocument(raw) };
    return last.secrets;
  };
}

/** Local mode's stand-in for Secrets Manager: the same JSON document, in a file. */
export function fileLoader(path: string): SecretsLoader {
  return async () => parseSecretDocument(await readFile(path, "utf8"));
}

/** The loader for this container: a local file when LOCAL_SECRETS_FILE is set, else Secrets Manager. */
export function secretsLoaderFromEnv(): SecretsLoader {
  const localFile = process.env[Env.localSecretsFile];
  if (localFile) return cached(fileLoader(localFile), FIVE_MINUTES);
  return secretsManagerLoader(traced(new SecretsManagerClient({})), requiredEnv(Env.appSecretId));
}
