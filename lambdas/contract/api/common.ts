import * as z from "zod";
import { ErrorCatalog, type ErrorCode } from "../errors";

/**
 * Building blocks shared by every route's schemas. Times in responses are ISO-8601 strings (UTC);
 * ids from Meta are decimal strings, never numbers.
 */
export const IsoTime = z.iso.datetime().describe("ISO-8601 date-time, UTC");

/** Epoch milliseconds (how times are stored) to the ISO-8601 strings responses carry. */
export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** A decimal id from Meta (Instagram account id, IGSID): a string, as several exceed 2^53. */
export const MetaId = z
  .string()
  .regex(/^\d{1,30}$/)
  .describe("Decimal id from Meta, always a string");

const errorCodes = Object.keys(ErrorCatalog) as [ErrorCode, ...ErrorCode[]];

/**
 * RFC 9457 problem details, the one shape of every error on every route (built by
 * lambdas/http/responses.ts `problem()`). Clients branch on `code`.
 */
export const Problem = z
  .object({
    type: z.string().describe("urn:instagram-dm:problem:<code>"),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    code: z.enum(errorCodes).describe("Stable error code; see docs/app-api.md"),
    detail: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe("Every invalid field, for request.invalid"),
  })
  .loose()
  .meta({ id: "Problem" });

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
export const MAX_CURSOR_LENGTH = 2048;

/** Cursor pagination query: non-strict, so unknown query parameters are ignored. */
export const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .describe(`Items per page, 1..${MAX_PAGE_SIZE}`),
  cursor: z
    .string()
    .min(1)
    .max(MAX_CURSOR_LENGTH)
    .optional()
    .describe("Opaque `nextCursor` of the previous page; bound to the caller"),
});

/** A page of items; `nextCursor` is absent on the last page. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().optional().describe("Pass as `cursor` to get the next page; absent on the last"),
  });
}

type ContentType = "application/json" | "text/plain" | "text/html";

/** One documented response of a route. `schema` absent means no body (204, 302). */
export interface ResponseSpec {
  readonly description: string;
  readonly contentType?: ContentType;
  readonly schema?: z.ZodType;
  /** Response headers worth documenting (e.g. `location` on a redirect). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The problem+json responses of a route, one per status, each naming the codes the route can answer with.
 * `internal` (500) is possible on every route and always included.
 */
export function problems(...codes: ErrorCode[]): Record<number, ResponseSpec> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...codes, "internal" as const]) {
    const status = ErrorCatalog[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      { description: `Problem details; code: ${list.join(", ")}`, schema: Problem },
    ]),
  );
}
