import { ErrorCatalog, type ErrorCode } from "../contract/errors";

/** One invalid field of a request, in the shape problem+json responses list them. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** An expected failure with a stable code; `detail` and `extras` are safe to show to clients. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  readonly extras: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, detail?: string, extras: Record<string, unknown> = {}) {
    super(detail ?? ErrorCatalog[code].title);
    this.name = "AppError";
    this.code = code;
    this.detail = detail;
    this.extras = extras;
  }

  get status(): number {
    return ErrorCatalog[this.code].status;
  }
}

/** A request that failed validation, with every offending field. */
export class ValidationError extends AppError {
  readonly fields: readonly FieldError[];

  constructor(fields: readonly FieldError[], detail = "One or more fields are invalid") {
    super("request.invalid", detail, { errors: fields });
    this.fields = fields;
  }
}
