import { ChangeMessageVisibilityCommand, type SQSClient } from "@aws-sdk/client-sqs";

/** Hides a received message for `seconds` before SQS hands it out again: the backoff of a failed delivery. */
export type RetryLater = (receiptHandle: string, seconds: number) => Promise<void>;

export function sqsRetryLater(client: SQSClient, queueUrl: string): RetryLater {
  return async (receiptHandle, seconds) => {
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.round(seconds),
      }),
    );
  };
}
