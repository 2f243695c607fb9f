import { SignedRequestForm } from "../contract/api/data-deletion";
import { AppError } from "../domain/errors";
import { mediaType, parseWith, textBody } from "./request";
import type { HttpEvent } from "./types";

/** The `signed_request` of a form-encoded Meta callback body; other media types are 415, a missing field 400. */
export function signedRequestForm(event: HttpEvent): string {
  if (mediaType(event) !== "application/x-www-form-urlencoded") {
    throw new AppError("request.unsupported_media_type", "Meta posts signed_request as a form.");
  }
  const fields = Object.fromEntries(new URLSearchParams(textBody(event)));
  return parseWith(SignedRequestForm, fields, "body").signed_request;
}
