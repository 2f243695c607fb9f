import { classifyMetaError, type MetaErrorClass } from "../../domain/meta-errors";
import { MetaApiError, MetaNetworkError, MetaTimeoutError } from "./graph-http";

/** What Meta's error answer means (docs/outbound.md's table), from the facts its envelope gives. */
export function classOfMetaError(error: MetaApiError): MetaErrorClass {
  return classifyMetaError({
    ...(error.code === undefined ? {} : { code: error.code }),
    ...(error.subcode === undefined ? {} : { subcode: error.subcode }),
    ...(error.isTransient === undefined ? {} : { isTransient: error.isTransient }),
    httpStatus: error.httpStatus,
  });
}

/**
 * A Graph call that failed, as the `{ ok: false, kind }` the adapters answer: Meta's refusal by its class, a
 * timeout or a broken connection as transient. Anything else is not Meta's answer and is thrown on.
 */
export function callFailure(error: unknown): { ok: false; kind: MetaErrorClass } {
  if (error instanceof MetaApiError) return { ok: false, kind: classOfMetaError(error) };
  if (error instanceof MetaTimeoutError || error instanceof MetaNetworkError)
    return { ok: false, kind: "transient" };
  throw error;
}
