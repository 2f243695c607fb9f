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
  return ingestDelivery(parseDelivery(new TextDecoder().decode(body), deps.now?.()), deps);
}
