import type { ThrottleInput, UsageOptions } from "./model";

/*
 * Graph API rate limiting as Meta documents it (developers.facebook.com/docs/graph-api/overview/rate-limiting):
 * every answer carries `X-App-Usage` (platform limit, percentages of the app's hourly allowance) and
 * `X-Business-Use-Case-Usage` (per business object; Instagram Platform calls are BUC-limited, type
 * `instagram`), with `estimated_time_to_regain_access` in minutes once throttled. How many calls make 100 %
 * is not published for a given account, so the counts here are settings.
 */

const HOUR = 3_600_000;
const APP = "*app";

export interface ThrottleState {
  readonly code: 80002 | 613 | 4;
  readonly until: number;
}

export function createUsage(options: UsageOptions = {}, now: () => number) {
  const perAccount = options.callsPerHour ?? 4800;
  const perApp = options.appCallsPerHour ?? 20_000;
  const calls = new Map<string, number[]>();
  const appCalls: number[] = [];
  const throttles = new Map<string, ThrottleState>();

  const inLastHour = (list: number[]) => {
    const since = now() - HOUR;
    while (list.length > 0 && (list[0] ?? 0) <= since) list.shift();
    return list.length;
  };
  const percent = (n: number, of: number) => Math.min(100, Math.round((n / of) * 100));

  /** The throttle in force for this account (an app-wide one first), or undefined. */
  function throttled(igId: string | undefined): ThrottleState | undefined {
    for (const k of [APP, ...(igId === undefined ? [] : [igId])]) {
      const t = throttles.get(k);
      if (t === undefined) continue;
      if (now() >= t.until) throttles.delete(k);
      else return t;
    }
    return undefined;
  }

  function throttle(input: ThrottleInput, defaultIgId: string): void {
    const code = input.code ?? 80002;
    const minutes = input.regainAccessMinutes ?? 60;
    const k = code === 4 ? APP : (input.igAccountId ?? defaultIgId);
    throttles.set(k, { code, until: now() + minutes * 60_000 });
  }

  /** Counts one Graph call; with `throttleAtFull`, an account at 100 % becomes throttled (80002). */
  function record(igId: string | undefined): void {
    appCalls.push(now());
    if (igId === undefined) return;
    const list = calls.get(igId) ?? [];
    list.push(now());
    calls.set(igId, list);
    if (options.throttleAtFull === true && percent(inLastHour(list), perAccount) >= 100) {
      throttles.set(igId, { code: 80002, until: now() + (options.regainAccessMinutes ?? 60) * 60_000 });
    }
  }

  /** The two usage headers for an answer about this account. */
  function headers(igId: string | undefined): Record<string, string> {
    const t = throttled(igId);
    const regain = t === undefined ? 0 : Math.ceil((t.until - now()) / 60_000);
    const appCount = t?.code === 4 ? 100 : percent(inLastHour(appCalls), perApp);
    const out: Record<string, string> = {
      "x-app-usage": JSON.stringify({
        call_count: appCount,
        total_cputime: Math.round(appCount / 4),
        total_time: Math.round(appCount / 3),
      }),
    };
    if (igId !== undefined) {
      const count = t === undefined ? percent(inLastHour(calls.get(igId) ?? []), perAccount) : 100;
      out["x-business-use-case-usage"] = JSON.stringify({
        [igId]: [
          {
            type: "instagram",
            call_count: count,
            total_cputime: Math.round(count / 4),
            total_time: Math.round(count / 3),
            estimated_time_to_regain_access: regain,
          },
        ],
      });
    }
    return out;
  }

  return { record, headers, throttled, throttle, clear: () => throttles.clear() };
}

export type Usage = ReturnType<typeof createUsage>;
