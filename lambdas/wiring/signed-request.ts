import type { MetaCredentials } from "../contract/secrets";
import { deauthorizePerson, requestErasure } from "../domain/connect/erasure";
import type {
  DataDeletionStore,
  ErasureQueue,
  ErasureStore,
  IntegrationStore,
} from "../domain/connect/ports";
import { assertFresh, verifySignedRequest } from "../domain/connect/signed-request";
import { logger } from "../platform/logger";

/** Which Meta callback a signed_request is: `infer` at the shared webhook URL, where the route does not say. */
export type SignedRequestKind = "deauthorize" | "data_deletion" | "infer";

/** What a verified signed_request callback did; the HTTP module answers Meta from it. */
export type SignedRequestOutcome =
  | { readonly kind: "deauthorized" }
  | { readonly kind: "data_deletion"; readonly statusUrl: string; readonly confirmationCode: string };

export interface SignedRequestDeps {
  readonly integrations: IntegrationStore;
  readonly dataDeletions: DataDeletionStore;
  readonly erasure: ErasureStore;
  /** Data deletion jobs go here; the erasure worker runs them. */
  readonly erasureQueue: ErasureQueue;
  readonly now: () => number;
  /** Where Meta sends the person to check a deletion. */
  readonly statusUrl: (code: string) => string;
}

/**
 * Deauthorize and data deletion, after verifying the signed_request (any of the app's signing secrets) and its
 * age. Callable from the dedicated routes and from webhook-receive (the setup guide points both callbacks at the
 * webhook URL). A bad signature or a stale request throws AppError (400/403) before anything is read or written.
 *
 * `"infer"` is for the shared webhook URL, where the route does not say which callback it is: a payload with
 * `expires` is a data deletion request (Meta's documented data deletion fields), one without is a deauthorize.
 * Pointing the two dashboard fields at their own routes avoids the guess.
 */
export function signedRequestCallbacks(deps: SignedRequestDeps) {
  return async (
    kind: SignedRequestKind,
    signedRequest: string,
    secrets: MetaCredentials,
  ): Promise<SignedRequestOutcome> => {
    const payload = verifySignedRequest(signedRequest, secrets.signingSecrets);
    assertFresh(payload, deps.now());
    const resolved =
      kind === "infer" ? (payload.expires === undefined ? "deauthorize" : "data_deletion") : kind;
    if (resolved === "deauthorize") {
      const { revoked } = await deauthorizePerson(payload.userId, {
        store: deps.integrations,
        erasure: deps.erasure,
        now: deps.now,
      });
      logger.info("deauthorize processed", { revoked, inferred: kind === "infer" });
      return { kind: "deauthorized" };
    }
    // The erasure runs as a job (the erasure worker); Meta gets its answer at once.
    const { code, replayed } = await requestErasure(signedRequest, payload.userId, {
      deletions: deps.dataDeletions,
      queue: deps.erasureQueue,
      now: deps.now,
    });
    logger.info("data deletion queued", { confirmationCode: code, replayed, inferred: kind === "infer" });
    return { kind: "data_deletion", statusUrl: deps.statusUrl(code), confirmationCode: code };
  };
}
