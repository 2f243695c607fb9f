import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import * as z from "zod";
import type { ErasureJob, ErasureQueue } from "../../domain/connect/ports";

/** The job record body: the request's code and the ids the person was named by (needed until the job is done). */
export const ErasureJobBody = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9]{1,64}$/),
  personIds: z
    .array(z.string().regex(/^\d{1,30}$/))
    .min(1)
    .max(10),
});

export function sqsErasureQueue(client: SQSClient, queueUrl: string): ErasureQueue {
  return {
    async enqueue(job: ErasureJob) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify({ code: job.code, personIds: job.personIds }),
        }),
      );
    },
  };
}
