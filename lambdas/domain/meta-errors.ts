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
  /** The app or account may not message (permission, disabled DMs). */
  | "permission_missing"
  /**
   * Every send of the account is refused for now: 10/1893063 (temporarily restricted) or 100/2534029 (business
   * blocked). Pause the account's queue and probe later; one message's answer speaks for all of them.
   */
  | "account_restricted"
  /** 100/2534037: another app owns the thread (handover protocol); this message cannot be sent by us. */
  | "not_thread_owner"
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
    // 10/1893063: "temporarily restricted from sending" — the whole account, for a while.
    if (subcode === 1893063) return "account_restricted";
    return "permission_missing";
  }
  if (code === 100 && subcode === 2534014) return "recipient_unavailable";
  // 100/2534029: the business is blocked from the IG Messaging API — every send of the account.
  if (code === 100 && subcode === 2534029) return "account_restricted";
  if (code === 100 && subcode === 2534037) return "not_thread_owner";
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

/** Reads `x-app-usage` (one object of percentages: call_count, total_time, total_cputime); the highest, or undefined. */
export function parseAppUsage(header: string | null | undefined): number | undefined {
  if (header === null || header === undefined || header === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const e = parsed as Record<string, unknown>;
  const usage = [e.call_count, e.total_time, e.total_cputime].filter(
    (v): v is number => typeof v === "number",
  );
  return usage.length === 0 ? undefined : Math.max(...usage);
}

/**
 * Usage at or above this percentage slows the account down before Meta throttles it. Meta's rate-limiting
 * page (docs/meta-simulator.md source RL) says calls are throttled once usage reaches 100 % and advises to
 * "spread out queries evenly" as usage nears it; it names no lower threshold, so we pick 90 %: ten percent
 * of the hour's allowance kept in hand for retries and the connect flow.
 */
export const SLOW_DOWN_AT_PERCENT = 90;

/** What the usage headers of one Graph answer tell the sender. */
export interface UsageSignal {
  /** Highest per-account (BUC) usage, percent. */
  readonly accountPercent?: number;
  /** Highest app-wide usage (`x-app-usage`), percent. */
  readonly appPercent?: number;
  /** Meta's `estimated_time_to_regain_access`, in ms (0 when not throttled). */
  readonly regainAccessMs: number;
}

/** Both usage headers of one answer, read together (absent or malformed headers mean "no hint"). */
export function usageSignal(headers: { get(name: string): string | null }): UsageSignal | undefined {
  const buc = parseBusinessUseCaseUsage(headers.get("x-business-use-case-usage"));
  const app = parseAppUsage(headers.get("x-app-usage"));
  if (buc === undefined && app === undefined) return undefined;
  return {
    ...(buc === undefined ? {} : { accountPercent: buc.maxCallCountPercent }),
    ...(app === undefined ? {} : { appPercent: app }),
    regainAccessMs: (buc?.regainAccessMinutes ?? 0) * 60_000,
  };
}
