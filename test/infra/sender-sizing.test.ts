import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { SEND_TIMEOUT_MS } from "../../lambdas/adapters/meta/send-api";
import { OutboundQueue, SENDING_LEASE_MS } from "../../lambdas/contract/queues";
import { synthStack } from "../support/synth";

type Resource = { Type: string; Properties: Record<string, unknown> };

let template: Template;

beforeAll(() => {
  ({ template } = synthStack());
});

/** The sender's event source mapping, its function and its queue as synthesized. */
function sender() {
  const mappings = Object.values(template.findResources("AWS::Lambda::EventSourceMapping")) as Resource[];
  const mapping = mappings.find(
    (m) => m.Properties.BatchSize === OutboundQueue.batchSize && JSON.stringify(m).includes("OutboundQueue"),
  );
  if (mapping === undefined) throw new Error("no event source mapping on the outbound queue");
  const functionId = (mapping.Properties.FunctionName as { Ref: string }).Ref;
  const fn = template.toJSON().Resources[functionId] as Resource;
  const queues = Object.values(template.findResources("AWS::SQS::Queue")) as Resource[];
  const queue = queues.find(
    (q) => q.Properties.FifoQueue === true && q.Properties.RedrivePolicy !== undefined,
  ) as Resource;
  return { mapping, fn, queue, mappings };
}

/** docs/performance.md, "Sizing the sender": the relations the sizing relies on, on the synthesized stack. */
describe("sender sizing", () => {
  it("batches of 10 with at most 400 instances, a share of the account's 1,000 that leaves the API room", () => {
    const { mapping, mappings } = sender();
    expect(mapping.Properties.BatchSize).toBe(10);
    expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 400 });
    // Every queue consumer together stays under half the account's default concurrency.
    const consumers = mappings
      .map(
        (m) =>
          (m.Properties.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency,
      )
      .filter((n): n is number => n !== undefined);
    expect(consumers.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(500);
  });

  it("no reserved concurrency: a deploy to an account with the default quota cannot fail on it", () => {
    expect(sender().fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it("a started send ends before the timeout; the visibility timeout outlasts the timeout and the sending lease", () => {
    const { fn, queue } = sender();
    const timeoutMs = (fn.Properties.Timeout as number) * 1000;
    expect(timeoutMs).toBe(OutboundQueue.senderTimeoutSeconds * 1000);
    // A record starts only while Meta's client timeout plus its writes still fit before the function's timeout.
    expect(OutboundQueue.stopStartingMs).toBeGreaterThanOrEqual(SEND_TIMEOUT_MS + 5_000);
    expect(OutboundQueue.stopStartingMs).toBeLessThan(timeoutMs);
    const visibilityMs = (queue.Properties.VisibilityTimeout as number) * 1000;
    expect(visibilityMs).toBeGreaterThanOrEqual(timeoutMs);
    expect(visibilityMs).toBeGreaterThan(SENDING_LEASE_MS);
  });
});
