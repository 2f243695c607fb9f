import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { SecretFields } from "../../lambdas/contract/secrets";
import { ensureSecretsFile } from "./secrets-file";
import type { StopStack } from "./stop-stack";

/** Where a secret field's value came from (the banner prints this, never the value). */
export type SecretSource = "environment" | "secrets file" | "not set";

/** The application secret as this run uses it. */
export interface LocalSecrets {
  readonly appId: string;
  readonly appSecret: string;
  readonly verifyToken: string;
  /** The Facebook app (Facebook Login flavour), when both are set. */
  readonly facebook?: { readonly appId: string; readonly appSecret: string };
  /** True while a Meta value (app id, app secret, verify token) is still one local mode generated. */
  readonly generated: boolean;
  /** The secrets file the operator edits (`<stateDir>/secrets.json`). */
  readonly secretsFile: string;
  /** The file the handlers read: the secrets file, or it with the environment's values laid over it. */
  readonly handlerFile: string;
  readonly sources: readonly { readonly field: string; readonly source: SecretSource }[];
}

const REQUIRED = [
  SecretFields.appId,
  SecretFields.appSecret,
  SecretFields.verifyToken,
  SecretFields.tokenEncryptionKey,
];
const META_VALUES = [SecretFields.appId, SecretFields.appSecret, SecretFields.verifyToken];

/**
 * Every secret field from the environment when set there (as twelve-factor tools and CI pass them), else from
 * `<stateDir>/secrets.json`. With any value from the environment, the merged document is written beside the
 * secrets file (mode 0600, removed on stop) for the handlers, which read a file as they read Secrets Manager.
 */
export function localSecrets(stateDir: string, env: NodeJS.ProcessEnv, stops: StopStack): LocalSecrets {
  const secretsFile = join(stateDir, "secrets.json");
  const file = ensureSecretsFile(secretsFile);
  const merged: Record<string, string> = { ...file.document };
  const sources = Object.values(SecretFields).map((field) => {
    const fromEnv = env[field];
    if (fromEnv !== undefined && fromEnv !== "") {
      merged[field] = fromEnv;
      return { field, source: "environment" as const };
    }
    return { field, source: field in file.document ? ("secrets file" as const) : ("not set" as const) };
  });
  const missing = REQUIRED.filter((field) => !merged[field]);
  if (missing.length > 0) {
    throw new Error(
      `Set ${missing.join(", ")} in ${relative(process.cwd(), secretsFile) || secretsFile} or the environment`,
    );
  }
  const fromEnv = sources.some(({ source }) => source === "environment");
  let handlerFile = secretsFile;
  if (fromEnv) {
    handlerFile = join(stateDir, "secrets.with-env.json");
    writeFileSync(handlerFile, `${JSON.stringify(merged, null, 2)}\n`, { mode: 0o600 });
    chmodSync(handlerFile, 0o600);
    stops.push(async () => rmSync(handlerFile, { force: true }));
  }
  const sourceOf = (field: string) => sources.find((entry) => entry.field === field)?.source;
  const facebookAppId = merged[SecretFields.metaAppId];
  const facebookAppSecret = merged[SecretFields.metaAppSecret];
  return {
    ...(facebookAppId && facebookAppSecret
      ? { facebook: { appId: facebookAppId, appSecret: facebookAppSecret } }
      : {}),
    appId: merged[SecretFields.appId] ?? "",
    appSecret: merged[SecretFields.appSecret] ?? "",
    verifyToken: merged[SecretFields.verifyToken] ?? "",
    generated: file.generated && META_VALUES.some((field) => sourceOf(field) === "secrets file"),
    secretsFile,
    handlerFile,
    sources,
  };
}
