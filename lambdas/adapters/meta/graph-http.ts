import { isSafeNumber, parse as parseLossless } from "lossless-json";
import { maskSecrets } from "../../platform/redaction";

/**
 * The one HTTP path from the runtime to Meta (instagram.com, api.instagram.com, graph.instagram.com).
 * Answers carry the raw body text: callers parse it (the code exchange needs big-number-safe parsing).
 * Errors never carry tokens or secrets: URLs and Meta's messages are masked before they reach a message.
 */
export interface MetaResponse {
  readonly status: number;
  readonly headers: Headers;
  /** The body exactly as received. */
  readonly body: string;
}

/** An error answer from Meta, in either the Graph envelope or the api.instagram.com OAuth shape. */
export class MetaApiError extends Error {
  override readonly name = "MetaApiError";
  constructor(
    readonly httpStatus: number,
    readonly code: number | undefined,
    readonly subcode: number | undefined,
    readonly type: string | undefined,
    readonly fbtraceId: string | undefined,
    readonly isTransient: boolean | undefined,
    /** Meta's message, masked; for logs only, never branch on it. */
    readonly metaMessage: string,
    /** Response headers (e.g. `x-business-use-case-usage` on a rate-limit answer), when the error came from metaFetch. */
    readonly headers?: Headers,
  ) {
    super(
      `Meta API error ${code ?? "?"}${subcode === undefined ? "" : `/${subcode}`} (HTTP ${httpStatus}${
        fbtraceId === undefined ? "" : `, fbtrace_id ${fbtraceId}`
      }): ${metaMessage}`,
    );
  }
}

/** Meta did not answer within the time allowed (the request may still have been processed). */
export class MetaTimeoutError extends Error {
  override readonly name = "MetaTimeoutError";
  constructor(
    readonly target: string,
    readonly timeoutMs: number,
  ) {
    super(`Meta did not answer ${target} within ${timeoutMs} ms`);
  }
}

/** Meta could not be reached (DNS, connection refused or reset). */
export class MetaNetworkError extends Error {
  override readonly name = "MetaNetworkError";
  constructor(
    readonly target: string,
    cause: unknown,
  ) {
    super(`Could not reach Meta at ${target}: ${maskSecrets(describeCause(cause))}`);
  }
}

/** fetch's "fetch failed" hides the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`. */
function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause;
  if (inner instanceof Error) {
    const code = (inner as Error & { code?: unknown }).code;
    return `${cause.message} (${typeof code === "string" ? code : inner.message})`;
  }
  return cause.message;
}

/** Origin and path of a URL, without its query (the query may carry a token). */
function describe(url: string | URL): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** Calls Meta with a timeout; resolves 2xx answers, throws MetaApiError / MetaTimeoutError / MetaNetworkError. */
export async function metaFetch(
  url: string | URL,
  init: RequestInit,
  options: { readonly timeoutMs: number },
): Promise<MetaResponse> {
  const target = `${init.method ?? "GET"} ${describe(url)}`;
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs) });
    body = await response.text();
  } catch (error) {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
      throw new MetaTimeoutError(target, options.timeoutMs);
    }
    throw new MetaNetworkError(target, error);
  }
  const error = parseMetaError(response.status, body, response.headers);
  if (error !== undefined) throw error;
  return { status: response.status, headers: response.headers, body };
}

/**
 * The error in an answer, if any: non-2xx statuses always are; a 2xx is one only when its body is an error
 * envelope. Unparseable error bodies still give a MetaApiError (code undefined) carrying the HTTP status.
 */
export function parseMetaError(
  httpStatus: number,
  body: string,
  headers?: Headers,
): MetaApiError | undefined {
  const ok = httpStatus >= 200 && httpStatus < 300;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const record =
    typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  const num = (v: unknown) =>
    typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const graph = record?.error;
  if (typeof graph === "object" && graph !== null) {
    const e = graph as Record<string, unknown>;
    return new MetaApiError(
      httpStatus,
      num(e.code),
      num(e.error_subcode),
      str(e.type),
      str(e.fbtrace_id),
      typeof e.is_transient === "boolean" ? e.is_transient : undefined,
      maskSecrets(str(e.message) ?? ""),
      headers,
    );
  }
  if (
    record !== undefined &&
    (typeof record.error_type === "string" || typeof record.error_message === "string")
  ) {
    return new MetaApiError(
      httpStatus,
      num(record.code),
      undefined,
      str(record.error_type),
      undefined,
      undefined,
      maskSecrets(str(record.error_message) ?? ""),
      headers,
    );
  }
  if (ok) return undefined;
  return new MetaApiError(
    httpStatus,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    maskSecrets(body.slice(0, 200)),
  );
}

/**
 * Parses a Meta JSON body keeping every id exact: integers beyond 2^53 (the code exchange's numeric `user_id`)
 * become decimal strings, other numbers stay numbers.
 */
export function parseMetaJson(body: string): unknown {
  return parseLossless(body, null, (value: string) => (isSafeNumber(value) ? Number(value) : value));
}
