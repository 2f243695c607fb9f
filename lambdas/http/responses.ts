import { ErrorCatalog, type ErrorCode } from "../contract/errors";
import type { AppError } from "../domain/errors";
import type { HttpResult } from "./types";

const NO_STORE = { "cache-control": "no-store" };

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { "content-type": "application/json", ...NO_STORE, ...headers },
    body: JSON.stringify(body),
  };
}

/** A plain-text response (the webhook handshake answers with exactly the challenge). */
export function text(statusCode: number, body: string): HttpResult {
  return { statusCode, headers: { "content-type": "text/plain; charset=utf-8", ...NO_STORE }, body };
}

/** A minimal HTML page, for browser-facing endpoints that must not redirect (e.g. an invalid OAuth state). */
export function html(statusCode: number, title: string, message: string): HttpResult {
  const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    statusCode,
    headers: { "content-type": "text/html; charset=utf-8", ...NO_STORE },
    body: `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`,
  };
}

/** A 204 with no body. */
export function noContent(): HttpResult {
  return { statusCode: 204, headers: { ...NO_STORE }, body: "" };
}

/** A 302 redirect. Only ever called with URLs built from an allow-listed origin. */
export function redirect(location: string): HttpResult {
  return { statusCode: 302, headers: { location, ...NO_STORE }, body: "" };
}

/** RFC 9457 problem details: `type`, `title`, `status`, `detail`, plus our stable `code`. */
export function problem(code: ErrorCode, detail?: string, extras: Record<string, unknown> = {}): HttpResult {
  const { status, title } = ErrorCatalog[code];
  return {
    statusCode: status,
    headers: { "content-type": "application/problem+json", ...NO_STORE },
    body: JSON.stringify({
      type: `urn:instagram-dm:problem:${code}`,
      title,
      status,
      code,
      ...(detail === undefined ? {} : { detail }),
      ...extras,
    }),
  };
}

export function problemFromError(error: AppError): HttpResult {
  return problem(error.code, error.detail, { ...error.extras });
}
