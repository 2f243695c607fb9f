import { AppError } from "../errors";
import { ingestDelivery, Metric } from "./ingest";
import { parseDelivery } from "./parse";
import type { IngestDependencies, IngestSummary } from "./ports";
import { verifySignature } from "./signature";

/**
 * A webhook POST body, end to end: the signature over the raw bytes first (nothing is parsed before it),
 * then parsing, then storage. Throws `webhook.signature_invalid` (counted) or `webhook.body_invalid`.
 */
export async function receiveDelivery(
  body: Uint8Array,
  signatureHeader: string | undefined,
  signingSecrets: readonly string[],
  deps: IngestDependencies,
): Promise<IngestSummary> {
  if (!verifySignature(body, signatureHeader, signingSecrets)) {
    deps.count(Metric.signatureInvalid);
    throw new AppError("webhook.signature_invalid");
  }
  return ingestDelivery(parseDelivery(utf8(body), deps.now?.()), deps);
}

/** Decodes the verified bytes; bytes that are not UTF-8 are refused, never turned into U+FFFD. */
function utf8(body: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw new AppError("webhook.body_invalid", "The body is not valid UTF-8.");
  }
}
