import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import * as z from "zod";
import type { ProfileJob } from "../../domain/profile/ports";

const Id = z.string().regex(/^\d{1,30}$/);
/** A job record's body: the conversation's key, nothing else (no name, no token). */
export const ProfileJobBody = z.strictObject({
  imoId: z.string().min(1).max(200),
  igAccountId: Id,
  igsid: Id,
});

/** SendMessageBatch's limit. */
const BATCH = 10;

/** Queues profile fetch jobs, ten to a request; a partially failed batch throws (the caller logs it). */
export function sqsProfileQueue(client: SQSClient, queueUrl: string) {
  return {
    async enqueue(jobs: readonly ProfileJob[]): Promise<void> {
      for (let start = 0; start < jobs.length; start += BATCH) {
        const chunk = jobs.slice(start, start + BATCH);
        const result = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((job, i) => ({
              Id: String(i),
              MessageBody: JSON.stringify({
                imoId: job.imoId,
                igAccountId: job.igAccountId,
                igsid: job.igsid,
              }),
            })),
          }),
        );
        if ((result.Failed ?? []).length > 0) {
          throw new Error(`${result.Failed?.length} profile jobs could not be queued`);
        }
      }
    },
  };
}

export type ProfileQueueClient = ReturnType<typeof sqsProfileQueue>;
