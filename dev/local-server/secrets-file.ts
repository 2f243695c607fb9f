import { randomBytes, randomInt } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { SecretFields } from "../../lambdas/contract/secrets";

/** The values local mode needs from the application secret (the simulator signs with the same app secret). */
export interface LocalSecretValues {
  readonly appId: string;
  readonly appSecret: string;
  readonly verifyToken: string;
}

function generatedDocument(): Record<string, string> {
  return {
    [SecretFields.appId]: `${randomInt(1, 10)}${String(randomInt(0, 1e14)).padStart(14, "0")}`,
    [SecretFields.appSecret]: randomBytes(16).toString("hex"),
    [SecretFields.verifyToken]: `local-verify-${randomBytes(12).toString("hex")}`,
    [SecretFields.tokenEncryptionKey]: randomBytes(32).toString("base64url"),
  };
}

/**
 * Local mode's stand-in for the Secrets Manager secret: `<stateDir>/secrets.json`, the same JSON document
 * the operator stores in AWS. Written with generated dev values on first run (mode 0600) and kept, so tokens
 * sealed with its key stay readable across restarts. Edit it to use a real Meta app's values.
 */
export function ensureSecretsFile(path: string): LocalSecretValues {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, `${JSON.stringify(generatedDocument(), null, 2)}\n`, { mode: 0o600, flag: "wx" });
  }
  chmodSync(path, 0o600);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new Error(`${path} is not valid JSON; fix it or delete it to have new dev values generated`);
  }
  const field = (name: string): string => {
    const value =
      typeof doc === "object" && doc !== null ? (doc as Record<string, unknown>)[name] : undefined;
    if (typeof value !== "string" || value === "") throw new Error(`${path} lacks ${name}`);
    return value;
  };
  return {
    appId: field(SecretFields.appId),
    appSecret: field(SecretFields.appSecret),
    verifyToken: field(SecretFields.verifyToken),
  };
}
