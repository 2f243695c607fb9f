import { processSignedRequest } from "../composition/connect";
import type { AppSecrets } from "../contract/secrets";
import { signedRequestResult } from "./connect-results";
import type { HttpResult } from "./types";

/**
 * Deauthorize and data deletion as HTTP: verify and act (the connect wiring), then answer Meta. Used by the
 * dedicated routes and by webhook-receive, where `"infer"` tells the two apart (see processSignedRequest).
 */
export async function handleSignedRequestCallback(
  kind: "deauthorize" | "data_deletion" | "infer",
  signedRequest: string,
  secrets: AppSecrets,
): Promise<HttpResult> {
  return signedRequestResult(await processSignedRequest(kind, signedRequest, secrets));
}
