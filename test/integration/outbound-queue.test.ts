import { DeleteMessageCommand } from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { deferRecord, sqsOutboundQueue } from "../../lambdas/adapters/sqs/outbound-queue";
import type { OutboundMessage } from "../../lambdas/domain/outbound/ports";
import { freshQueues, localSqs } from "../support/local-aws";
import { receiveRecords } from "../support/outbound-harness";

const message = (messageId: string, igsid: string): OutboundMessage => ({
  imoId: "imo-q",
  userId: "u",
  igAccountId: "17841462871093525",
  igsid,
  messageId,
  status: "queued",
  content: { text: messageId },
  acceptedAt: Date.now(),
  attempts: 0,
});

/**
 * The queue mechanics the sender relies on, on the local SQS server: dedup by message id, a deferred record
 * holds its conversation (FIFO group lock) and comes back exactly once, with one more receive counted.
 */
describe("outbound FIFO queue mechanics (local SQS server)", () => {
  let queueUrl: string;

  beforeAll(async () => {
    ({ queueUrl } = await freshQueues());
  });

  it("enqueueing the same message twice delivers it once (dedup id = message id)", async () => {
    const queue = sqsOutboundQueue(localSqs(), queueUrl);
    await queue.enqueue(message("dup-1", "1"));
    await queue.enqueue(message("dup-1", "1"));
    const records = await receiveRecords(queueUrl);
    expect(records.map((r) => JSON.parse(r.body).messageId)).toEqual(["dup-1"]);
    await localSqs().send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: records[0]?.receiptHandle }),
    );
  });

  it("a deferred record blocks its conversation, not others, and returns once with receive count 2", async () => {
    const queue = sqsOutboundQueue(localSqs(), queueUrl);
    await queue.enqueue(message("a-1", "100"));
    await queue.enqueue(message("a-2", "100"));
    await queue.enqueue(message("b-1", "200"));

    const first = await receiveRecords(queueUrl, 1);
    expect(JSON.parse(first[0]?.body ?? "{}").messageId).toBe("a-1");
    const now = Date.now();
    await deferRecord(localSqs(), queueUrl, first[0]?.receiptHandle ?? "", now + 2_000, now);

    // While a-1 waits, a-2 (same conversation) is not handed out; b-1 (another conversation) is.
    const meanwhile = await receiveRecords(queueUrl, 10);
    expect(meanwhile.map((r) => JSON.parse(r.body).messageId)).toEqual(["b-1"]);
    await localSqs().send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: meanwhile[0]?.receiptHandle }),
    );

    // After its slot, a-1 comes back first, counted as its second receive.
    let back: Awaited<ReturnType<typeof receiveRecords>> = [];
    for (let i = 0; i < 40 && back.length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      back = await receiveRecords(queueUrl, 1);
    }
    expect(JSON.parse(back[0]?.body ?? "{}").messageId).toBe("a-1");
    expect(back[0]?.attributes.ApproximateReceiveCount).toBe("2");
  });
});
