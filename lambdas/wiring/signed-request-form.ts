import { SignedRequestForm } from "../contract/api/data-deletion";
import { AppError } from "../domain/errors";
import type { HttpEvent } from "../middleware/http-types";
import { mediaType, parseWith, rawBody } from "../middleware/request";

/** The `signed_request` of a form-encoded Meta callback body; other media types are 415, a missing field 400. */
export function signedRequestForm(event: HttpEvent): string {
  if (mediaType(event) !== "application/x-www-form-urlencoded") {
    throw new AppError("request.unsupported_media_type", "Meta posts signed_request as a form.");
  }
  const fields = Object.fromEntries(new URLSearchParams(rawBody(event).toString("utf8")));
  return parseWith(SignedRequestForm, fields, "body").signed_request;
}
