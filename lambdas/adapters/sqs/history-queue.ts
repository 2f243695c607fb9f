import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import * as z from "zod";
import type { HistoryQueue, HistoryStep } from "../../domain/history/ports";

/** The step record body: which job and step; the job item holds the cursor (the table is the source of truth). */
export const HistoryStepBody = z.strictObject({
  imoId: z.string().min(1).max(200),
  igAccountId: z.string().regex(/^\d{1,30}$/),
  jobId: z.string().min(1).max(64),
  seq: z.number().int().min(0),
  attempt: z.number().int().min(0).max(100),
});

export function sqsHistoryQueue(client: SQSClient, queueUrl: string): HistoryQueue {
  return {
    async enqueue(step: HistoryStep, delaySeconds: number) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(HistoryStepBody.parse(step)),
          DelaySeconds: Math.max(0, Math.min(900, Math.round(delaySeconds))),
        }),
      );
    },
  };
}
