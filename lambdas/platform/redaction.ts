/**
 * The one place that decides what counts as a secret in text: log lines (the logger's replacer) and error
 * messages built from Meta's answers (graph-http) both mask through here.
 */

/**
 * Meta access tokens by shape (Instagram Login `IGAA…`/`IGQV…`, Facebook `EAA…`), registered or not. Real
 * tokens run to 150+ characters; 16 after the prefix also catches a token cut short (a body sliced for an
 * error message) while leaving short words such as `EAAB` alone.
 */
const TOKEN_SHAPE = /\b(IGAA|IGQV|EAA)[A-Za-z0-9_-]{16,}/g;

/** Query parameters whose values are credentials (OAuth code, secrets, tokens). */
const SECRET_PARAMS = /([?&](?:access_token|client_secret|code|fb_exchange_token|input_token)=)[^&#\s"]*/gi;

/** Keys whose values are always masked, wherever they appear in a log entry. */
const SECRET_KEY_PATTERN = /token|secret|password|authorization|signature|signed_request|code_verifier|key$/i;
/**
 * `code` is masked unless it is one of ours or Meta's error codes: a stable error code (`oauth.state_invalid`,
 * `send.window_closed`) or a number. An OAuth authorisation code (`AQ…`) matches neither, so it stays hidden,
 * while every "request rejected" line keeps the code that says why.
 */
const ERROR_CODE_SHAPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const MASK = "[REDACTED]";

/**
 * At most this many registered values are kept (least recently registered dropped first), so a warm container
 * that opens many tokens does not grow without bound. Tokens dropped from it are still masked by their shape.
 */
export const MAX_SECRET_VALUES = 512;

/** Secret values registered at runtime (app secret, verify token, access tokens); masked inside any string. */
const secretValues = new Set<string>();

/** Registers a value that must never appear in logs, even inside a longer string. Re-registering refreshes it. */
export function registerSecretValue(value: string): void {
  if (value.length < 6) return;
  // A Set iterates in insertion order: delete and re-add moves the value to the most recent end.
  secretValues.delete(value);
  secretValues.add(value);
  if (secretValues.size > MAX_SECRET_VALUES) {
    const oldest = secretValues.values().next().value;
    if (oldest !== undefined) secretValues.delete(oldest);
  }
}

/** How many values are registered (for tests of the bound). */
export function registeredSecretCount(): number {
  return secretValues.size;
}

/** Masks secret query values and token-shaped text, keeping the prefix so a reader knows what was there. */
export function maskSecrets(text: string): string {
  return text.replace(SECRET_PARAMS, "$1***").replace(TOKEN_SHAPE, "$1***");
}

function maskSecretsIn(text: string): string {
  let masked = text.replace(TOKEN_SHAPE, MASK);
  for (const secret of secretValues) {
    if (masked.includes(secret)) masked = masked.split(secret).join(MASK);
  }
  return masked;
}

/** JSON replacer that masks secret-looking keys, token-shaped text and any registered secret value. */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== "" && SECRET_KEY_PATTERN.test(key) && value !== undefined && value !== null && value !== "") {
    return MASK;
  }
  if (key.toLowerCase() === "code" && !isErrorCode(value)) return MASK;
  if (typeof value === "string") return maskSecretsIn(value);
  if (typeof value === "bigint") return value.toString();
  return value;
}

function isErrorCode(value: unknown): boolean {
  if (value === undefined || value === null || value === "" || typeof value === "number") return true;
  return typeof value === "string" && value.length <= 64 && ERROR_CODE_SHAPE.test(value);
}
