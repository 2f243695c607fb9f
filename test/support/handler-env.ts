import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Env } from "../../lambdas/contract/env";
import { secretDocument } from "./fake-secrets";

/**
 * Sets the environment a handler module reads at load time: the table, local secrets file, and any extra
 * settings. Call before `await import()` of the handler (vitest gives each test file fresh modules).
 */
export function setHandlerEnv(
  settings: { tableName: string } & Partial<Record<string, string>>,
  /** Extra fields of the secret document (e.g. the Facebook app's `META_APP_ID`/`META_APP_SECRET`). */
  secretFields: Record<string, string> = {},
): void {
  const dir = mkdtempSync(join(tmpdir(), "ig-secrets-"));
  const secretsFile = join(dir, "secrets.json");
  writeFileSync(secretsFile, secretDocument(secretFields), { mode: 0o600 });
  const { tableName, ...extra } = settings;
  process.env[Env.tableName] = tableName;
  process.env[Env.localSecretsFile] = secretsFile;
  process.env[Env.publicBaseUrl] ??= "https://api.example.test";
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) process.env[name] = value;
}
