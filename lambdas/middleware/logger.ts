import { Logger } from "@aws-lambda-powertools/logger";

/** Keys whose values are always masked, wherever they appear in a log entry. */
const SECRET_KEY_PATTERN =
  /token|secret|password|authorization|signature|signed_request|code_verifier|^code$|key$/i;
const MASK = "[REDACTED]";

/** Secret values registered at runtime (app secret, verify token, access tokens); masked inside any string. */
const secretValues = new Set<string>();

/** Registers a value that must never appear in logs, even inside a longer string. */
export function registerSecretValue(value: string): void {
  if (value.length >= 6) secretValues.add(value);
}

/** Meta access tokens have recognisable shapes (IG Login `IGAA…`, Facebook `EAA…`); mask them even unregistered. */
const TOKEN_SHAPE = /\b(?:IGAA|IGQV|EAA)[A-Za-z0-9_-]{20,}/g;

function maskSecretsIn(text: string): string {
  let masked = text.replace(TOKEN_SHAPE, MASK);
  for (const secret of secretValues) {
    if (masked.includes(secret)) masked = masked.split(secret).join(MASK);
  }
  return masked;
}

/** JSON replacer that masks secret-looking keys and any registered secret value. */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== "" && SECRET_KEY_PATTERN.test(key) && value !== undefined && value !== null && value !== "") {
    return MASK;
  }
  if (typeof value === "string") return maskSecretsIn(value);
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** The one logger of a Lambda container; JSON lines with correlation ids and secret redaction. */
export const logger = new Logger({ jsonReplacerFn: redactingReplacer });
