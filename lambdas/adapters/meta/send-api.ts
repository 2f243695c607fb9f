import { usageSignal } from "../../domain/meta-errors";
import type { MetaSendResult, SendApi, SendRequest } from "../../domain/outbound/ports";
import { registerSecretValue } from "../../platform/redaction";
import type { MetaHosts } from "../../platform/runtime-config";
import { classOfMetaError } from "./call-failure";
import { MetaApiError, MetaNetworkError, MetaTimeoutError, metaFetch, parseMetaJson } from "./graph-http";
import { graphNodeUrl } from "./graph-target";
import { sendBody } from "./message-body";

export { sendBody } from "./message-body";

/** Well below the sender's 30 s timeout, so a slow Meta still leaves time to record the outcome. */
export const SEND_TIMEOUT_MS = 10_000;

/** `POST /<IG_ID>/messages` on graph.instagram.com (or `/<PAGE_ID>/messages` on graph.facebook.com), with every failure classified (never thrown). */
export function graphSendApi(hosts: MetaHosts, timeoutMs = SEND_TIMEOUT_MS): SendApi {
  return {
    async send(request: SendRequest): Promise<MetaSendResult> {
      registerSecretValue(request.accessToken);
      const target = request.target ?? { host: "instagram", nodeId: request.igAccountId };
      const url = graphNodeUrl(hosts, target, "messages");
      try {
        const response = await metaFetch(
          url,
          {
            method: "POST",
            headers: {
              authorization: `Bearer ${request.accessToken}`,
              "content-type": "application/json",
            },
            body: JSON.stringify(sendBody(request)),
          },
          { timeoutMs },
        );
        const parsed = parseMetaJson(response.body) as { message_id?: unknown } | null;
        const mid = parsed?.message_id;
        // A 2xx without a message id: Meta may have sent it; treat like 1/1357046, never blind-retry.
        if (typeof mid !== "string" || mid === "") return { ok: false, kind: "sent_but_unconfirmed" };
        const usage = usageSignal(response.headers);
        return { ok: true, mid, ...(usage === undefined ? {} : { usage }) };
      } catch (error) {
        if (error instanceof MetaApiError) return classifiedFailure(error);
        // Timeouts may have reached Meta; the issue asks to retry them (the double-send window in docs/outbound.md).
        if (error instanceof MetaTimeoutError || error instanceof MetaNetworkError) {
          return { ok: false, kind: "transient" };
        }
        throw error;
      }
    },
  };
}

/** A Meta error as the sender needs it: its class, and for rate limits and restrictions what Meta said about them. */
export function classifiedFailure(error: MetaApiError): MetaSendResult {
  const kind = classOfMetaError(error);
  if (kind === "rate_limited") {
    const regain = error.headers === undefined ? 0 : (usageSignal(error.headers)?.regainAccessMs ?? 0);
    // Code 4 is the app's own limit (graph-responses.md §3.2, Meta's rate-limiting page): every account waits.
    return {
      ok: false,
      kind,
      scope: error.code === 4 ? "app" : "account",
      ...(regain > 0 ? { retryAfterMs: regain } : {}),
    };
  }
  if (kind === "account_restricted") {
    return { ok: false, kind, restriction: error.code === 10 ? "account_restricted" : "business_blocked" };
  }
  return { ok: false, kind };
}
