import { WebhookDeliveryQueue } from "../../contract/queues";

/** What a delivery attempt's answer means: done, try again later, or give up now (the receiver refused it). */
export type DeliveryOutcome = "delivered" | "retry" | "rejected";

/**
 * Standard Webhooks semantics: 2xx is delivered; 408 (timeout) and 429 (slow down) and every 5xx or network
 * failure are retried; any other 4xx is the receiver saying the request itself is wrong, so retrying the same
 * bytes cannot help.
 */
export function outcomeOf(status: number | "timeout" | "network_error"): DeliveryOutcome {
  if (typeof status !== "number") return "retry";
  if (status >= 200 && status < 300) return "delivered";
  if (status === 408 || status === 429) return "retry";
  if (status >= 400 && status < 500) return "rejected";
  return "retry";
}

/** Seconds before the next attempt after attempt `attempt` (1-based) failed: exponential, capped. */
export function retryDelaySeconds(attempt: number): number {
  const { firstRetrySeconds, maxRetrySeconds } = WebhookDeliveryQueue;
  return Math.min(maxRetrySeconds, firstRetrySeconds * 2 ** Math.max(0, attempt - 1));
}

/** The whole retry budget: time from the first attempt to the last one. */
export function retryBudgetSeconds(): number {
  let total = 0;
  for (let attempt = 1; attempt < WebhookDeliveryQueue.maxReceiveCount; attempt++) {
    total += retryDelaySeconds(attempt);
  }
  return total;
}
