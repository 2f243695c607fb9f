import type { Problem, ProblemCode } from "./types";

/** A non-problem error answer (e.g. a proxy's HTML 502) carries this code instead of one of the API's. */
export const UNEXPECTED_RESPONSE = "client.unexpected_response";

/**
 * Every refused call surfaces as this one error: the API's RFC 9457 problem with its stable `code`, the HTTP
 * `status` and the human `detail`. Branch on `code`, never on `message`.
 */
export class InstagramDmError extends Error {
  override readonly name = "InstagramDmError";
  readonly code: ProblemCode | typeof UNEXPECTED_RESPONSE;
  readonly status: number;
  readonly detail: string | undefined;
  /** Every invalid field, for `request.invalid`. */
  readonly errors: readonly { field: string; message: string }[];

  constructor(status: number, body: unknown) {
    const problem = isProblem(body) ? body : undefined;
    const detail = problem?.detail ?? problem?.title;
    super(detail ?? `The API answered ${status}`);
    this.status = status;
    this.code = problem?.code ?? UNEXPECTED_RESPONSE;
    this.detail = problem?.detail;
    this.errors = problem?.errors ?? [];
  }
}

function isProblem(body: unknown): body is Problem {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as { code?: unknown }).code === "string" &&
    typeof (body as { status?: unknown }).status === "number"
  );
}
