import { describe, expect, it } from "vitest";
import { WebhookDeliveryQueue } from "../../lambdas/contract/queues";
import { outcomeOf, retryBudgetSeconds, retryDelaySeconds } from "../../lambdas/domain/events/webhook-policy";

describe("outgoing webhook retry policy (Standard Webhooks)", () => {
  it("2xx is delivered; 408, 429, 5xx, timeouts and network errors are retried; other 4xx are not", () => {
    for (const status of [200, 202, 204]) expect(outcomeOf(status)).toBe("delivered");
    for (const status of [408, 429, 500, 502, 503, "timeout", "network_error"] as const) {
      expect(outcomeOf(status)).toBe("retry");
    }
    for (const status of [400, 401, 403, 404, 410, 413, 422]) expect(outcomeOf(status)).toBe("rejected");
    // A redirect is not followed (a signed body must not be re-posted elsewhere): retried, then DLQ.
    expect(outcomeOf(301)).toBe("retry");
  });

  it("backs off exponentially from a minute, capped at six hours, within SQS's 12-hour visibility limit", () => {
    expect([1, 2, 3, 4].map(retryDelaySeconds)).toEqual([60, 120, 240, 480]);
    expect(retryDelaySeconds(20)).toBe(WebhookDeliveryQueue.maxRetrySeconds);
    expect(WebhookDeliveryQueue.maxRetrySeconds).toBeLessThanOrEqual(12 * 3600);
  });

  it("the documented budget: about 20.5 hours of retries before the DLQ, well within the queue's retention", () => {
    const hours = retryBudgetSeconds() / 3600;
    expect(hours).toBeGreaterThan(20);
    expect(hours).toBeLessThan(21);
    expect(retryBudgetSeconds() + WebhookDeliveryQueue.maxRetrySeconds).toBeLessThan(
      WebhookDeliveryQueue.retentionSeconds,
    );
  });
});
