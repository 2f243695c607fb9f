import type * as z from "zod";
import { AppError, type FieldError, ValidationError } from "../domain/errors";
import type { Tenant } from "../domain/tenant";
import type { ClaimNames } from "../platform/runtime-config";
import type { HttpEvent } from "./types";

/** The body exactly as the client sent it, as bytes (HTTP API base64-encodes binary and some form bodies). */
export function rawBody(event: HttpEvent): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
}

/**
 * The body as text. Bytes that are not valid UTF-8 are refused with 400 rather than decoded into replacement
 * characters (which would then be stored, or sent to Meta, as something the client never wrote).
 */
export function textBody(event: HttpEvent): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(rawBody(event));
  } catch {
    throw new ValidationError([{ field: "body", message: "Body is not valid UTF-8" }]);
  }
}

/** The body size without decoding it first (base64 inflates by 4/3). */
export function bodyBytes(event: HttpEvent): number {
  const body = event.body ?? "";
  return event.isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body, "utf8");
}

/** A request header by case-insensitive name (HTTP API lowercases them already; local mode does too). */
export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** The media type of the body without parameters, lowercased. */
export function mediaType(event: HttpEvent): string | undefined {
  return header(event, "content-type")?.split(";")[0]?.trim().toLowerCase();
}

function toFieldErrors(issues: readonly z.core.$ZodIssue[], location: string): FieldError[] {
  return issues.map((issue) => ({
    field: [location, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
}

/** Validates a value with a schema; a failure becomes a 400 listing every offending field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, location: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(toFieldErrors(result.error.issues, location));
  return result.data;
}

/** Parses a JSON body (content type application/json required) and validates it. */
export function jsonBody<S extends z.ZodType>(event: HttpEvent, schema: S): z.output<S> {
  const type = mediaType(event);
  if (type !== "application/json") {
    throw new AppError("request.unsupported_media_type", "Send the body as application/json.");
  }
  const text = textBody(event);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError([{ field: "body", message: "Body is not valid JSON" }]);
  }
  return parseWith(schema, parsed, "body");
}

/** Validates the query string; unknown parameters are ignored by the schema (non-strict objects). */
export function queryParams<S extends z.ZodType>(event: HttpEvent, schema: S): z.output<S> {
  return parseWith(schema, event.queryStringParameters ?? {}, "query");
}

export function pathParams<S extends z.ZodType>(event: HttpEvent, schema: S): z.output<S> {
  return parseWith(schema, event.pathParameters ?? {}, "path");
}

/** No `#` (our key separator) and no control characters (C0, DEL, C1), nor Unicode line/paragraph separators. */
function isSafeTenantId(id: string): boolean {
  for (const char of id) {
    const code = char.codePointAt(0) ?? 0;
    if (
      char === "#" ||
      code <= 0x1f ||
      (code >= 0x7f && code <= 0x9f) ||
      code === 0x2028 ||
      code === 0x2029
    ) {
      return false;
    }
  }
  return true;
}

/** Longest user or organisation id accepted from a token's claims. */
export const MAX_TENANT_ID_LENGTH = 256;

/**
 * The caller's user and organisation, from the claims the JWT authorizer verified (never from the body).
 * A token without them is as good as no token: 401.
 */
export function tenantOf(event: HttpEvent, claimNames: ClaimNames): Tenant {
  const claims = event.requestContext.authorizer?.jwt?.claims;
  const userId = claims?.[claimNames.userId];
  const imoId = claims?.[claimNames.imoId];
  if (typeof userId !== "string" || userId === "" || typeof imoId !== "string" || imoId === "") {
    throw new AppError("auth.unauthorized", "The token does not carry the user and organisation claims.");
  }
  // Tenant ids become parts of DynamoDB keys (sort keys hold at most 1,024 bytes): bound them here.
  if (userId.length > MAX_TENANT_ID_LENGTH || imoId.length > MAX_TENANT_ID_LENGTH) {
    throw new AppError("auth.unauthorized", "The token's user or organisation claim is too long.");
  }
  // `#` separates the parts of our DynamoDB keys: a user `user-1#a` could otherwise address `user-1`'s items
  // (e.g. replay its Idempotency-Key and learn its message id). Control characters have no place in an id.
  if (!isSafeTenantId(userId) || !isSafeTenantId(imoId)) {
    throw new AppError(
      "auth.unauthorized",
      "The token's user or organisation claim has characters ids may not hold.",
    );
  }
  return { userId, imoId };
}
