/**
 * What a Meta error means for us, decided on `code` / `error_subcode` (never on the message text, which Meta
 * changes), per shared/reference/graph-responses.md §3.
 */
export type MetaErrorClass =
  /** Outside the 24-hour (or HUMAN_AGENT 7-day) window: fail the message, do not retry. */
  | "window_closed"
  /** App, user, account or BUC limit: back off the whole account, then retry. */
  | "rate_limited"
  /** Token expired, invalidated or unparseable: the integration needs re-authorisation. */
  | "token_invalid"
  /** The app or account may not message (permission, disabled DMs, business blocked or restricted). */
  | "permission_missing"
  /** This customer cannot be messaged (no such user, unavailable). */
  | "recipient_unavailable"
  /** Meta says wait and retry (codes 1 and 2, `is_transient`, HTTP 5xx). */
  | "transient"
  /** 1/1357046: Meta may have sent it even though the answer is an error; never blind-retry, reconcile by echo. */
  | "sent_but_unconfirmed"
  /** Our request was malformed (code 100 and friends). */
  | "invalid_request"
  | "unknown";

export interface MetaErrorFacts {
  readonly code?: number;
  readonly subcode?: number;
  readonly isTransient?: boolean;
  readonly httpStatus?: number;
}

const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80001, 80002, 80006]);
const WINDOW_SUBCODES = new Set([2534022, 2018278]);

/** Classifies a Meta error; the order matters (rate limits carry `is_transient: true`, 1/1357046 is code 1). */
export function classifyMetaError(facts: MetaErrorFacts): MetaErrorClass {
  const { code, subcode, isTransient, httpStatus } = facts;
  if (code === 1 && subcode === 1357046) return "sent_but_unconfirmed";
  if (code !== undefined && RATE_LIMIT_CODES.has(code)) return "rate_limited";
  if (code === 190 || code === 102) return "token_invalid";
  // 1545041 is "this person isn't available" whatever the code (551 or 200); never a window closure.
  if (subcode === 1545041 || code === 551) return "recipient_unavailable";
  if (code === 10) {
    if (subcode !== undefined && WINDOW_SUBCODES.has(subcode)) return "window_closed";
    // 10/1893063 ("temporarily restricted from sending") and plain 10 stop every send of the account.
    return "permission_missing";
  }
  if (code === 100 && subcode === 2534014) return "recipient_unavailable";
  // 100/2534029: the business is blocked from the IG Messaging API, an account-level stop like a missing permission.
  if (code === 100 && subcode === 2534029) return "permission_missing";
  if (code === 3 || (code !== undefined && code >= 200 && code <= 299)) return "permission_missing";
  if (code === 1 || code === 2 || isTransient === true) return "transient";
  if (httpStatus !== undefined && httpStatus >= 500) return "transient";
  if (code === 100) return "invalid_request";
  return "unknown";
}

/** Rate-limit hint from `x-business-use-case-usage`: the highest usage (percent) and wait (minutes) over all keys. */
export interface UsageHint {
  readonly maxCallCountPercent: number;
  readonly regainAccessMinutes: number;
}

/** Reads the BUC usage header (absent or malformed means "no hint"); every business-object key is inspected. */
export function parseBusinessUseCaseUsage(header: string | null | undefined): UsageHint | undefined {
  if (header === null || header === undefined || header === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  let maxCallCountPercent = 0;
  let regainAccessMinutes = 0;
  let seen = false;
  for (const entries of Object.values(parsed)) {
    if (!Array.isArray(entries)) continue;
    for (const entry of entries as unknown[]) {
      if (typeof entry !== "object" || entry === null) continue;
      const e = entry as Record<string, unknown>;
      const usage = [e.call_count, e.total_time, e.total_cputime].filter(
        (v): v is number => typeof v === "number",
      );
      if (usage.length > 0) {
        seen = true;
        maxCallCountPercent = Math.max(maxCallCountPercent, ...usage);
      }
      if (typeof e.estimated_time_to_regain_access === "number") {
        seen = true;
        regainAccessMinutes = Math.max(regainAccessMinutes, e.estimated_time_to_regain_access);
      }
    }
  }
  return seen ? { maxCallCountPercent, regainAccessMinutes } : undefined;
}
