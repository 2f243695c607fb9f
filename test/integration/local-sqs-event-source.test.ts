import { randomUUID } from "node:crypto";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaContext } from "../../dev/local-server/api-gateway";
import {
  type SqsEventSource,
  type SqsHandler,
  startSqsEventSource,
} from "../../dev/local-server/sqs-event-source";
import { localSqs } from "../support/local-aws";

/**
 * Local mode's stand-in for Lambda's SQS event source, against fauxqs: records the function reports as failed
 * stay on the queue and come back after the visibility timeout with a higher receive count; the others are
 * deleted; a thrown error keeps the whole batch.
 */
describe("local mode SQS event source", () => {
  let sqs: SQSClient;
  let queueUrl: string;
  let queueArn: string;
  let source: SqsEventSource | undefined;
  const seen: SQSRecord[] = [];
  let behaviour: (event: SQSEvent) => ReturnType<SqsHandler>;

  beforeAll(async () => {
    sqs = localSqs();
    const created = await sqs.send(
      new CreateQueueCommand({
        QueueName: `local-es-${randomUUID().slice(0, 8)}.fifo`,
        // A one-second visibility timeout so a failed record comes back quickly.
        Attributes: { FifoQueue: "true", VisibilityTimeout: "1" },
      }),
    );
    queueUrl = created.QueueUrl ?? "";
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
    );
    queueArn = attributes.Attributes?.QueueArn ?? "";
    source = startSqsEventSource({
      client: sqs,
      queueUrl,
      queueArn,
      region: "us-east-1",
      batchSize: 10,
      pollers: 1,
      waitTimeSeconds: 1,
      loadHandler: async () => async (event) => {
        seen.push(...event.Records);
        return behaviour(event);
      },
      context: () => lambdaContext("sender", 30_000),
      onError: () => undefined,
    });
  });

  afterAll(async () => {
    await source?.stop();
  });

  async function visibleAndInFlight(): Promise<number> {
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    return (
      Number(attributes.Attributes?.ApproximateNumberOfMessages ?? "0") +
      Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? "0")
    );
  }

  async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function send(bodies: string[]): Promise<void> {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((body, index) => ({
          Id: String(index),
          MessageBody: body,
          MessageGroupId: `group-${body}`,
          MessageDeduplicationId: `${body}-${randomUUID()}`,
        })),
      }),
    );
  }

  it("deletes successes, redelivers reported failures after the visibility timeout with a higher receive count", async () => {
    seen.length = 0;
    const failedOnce = new Set<string>();
    behaviour = async (event) => ({
      batchItemFailures: event.Records.filter((record) => {
        if (record.body !== "b" || failedOnce.has(record.body)) return false;
        failedOnce.add(record.body);
        return true;
      }).map((record) => ({ itemIdentifier: record.messageId })),
    });
    await send(["a", "b", "c"]);
    await until(() => seen.filter((record) => record.body === "b").length >= 2, "b to come back");
    await until(async () => (await visibleAndInFlight()) === 0, "the queue to drain");

    const bodies = seen.map((record) => record.body);
    expect(bodies.filter((body) => body === "a")).toHaveLength(1);
    expect(bodies.filter((body) => body === "c")).toHaveLength(1);
    const deliveriesOfB = seen.filter((record) => record.body === "b");
    expect(deliveriesOfB.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(["1", "2"]);
    expect(deliveriesOfB[0]?.attributes.MessageGroupId).toBe("group-b");
    expect(seen[0]?.eventSourceARN).toBe(queueArn);
  });

  it("keeps the whole batch when the function throws", async () => {
    seen.length = 0;
    const crashedOn = new Set<string>();
    behaviour = async (event) => {
      // Crash on any batch holding a record seen for the first time: nothing of that batch may be deleted.
      const fresh = event.Records.filter((record) => !crashedOn.has(record.body));
      if (fresh.length === 0) return { batchItemFailures: [] };
      for (const record of event.Records) crashedOn.add(record.body);
      throw new Error("sender crashed");
    };
    await send(["x", "y"]);
    await until(
      () => ["x", "y"].every((body) => seen.filter((record) => record.body === body).length >= 2),
      "x and y to come back",
    );
    await until(async () => (await visibleAndInFlight()) === 0, "the queue to drain");
    for (const body of ["x", "y"]) {
      const receiveCounts = seen
        .filter((record) => record.body === body)
        .map((r) => r.attributes.ApproximateReceiveCount);
      expect(receiveCounts, body).toEqual(["1", "2"]);
    }
  });
});
