import { randomUUID } from "node:crypto";
import { ErasureJobBody } from "../adapters/sqs/erasure-queue";
import { ErasureQueue } from "../contract/queues";
import { type ErasureStepResult, runErasureStep } from "../domain/connect/erasure";
import type { ConnectWiring } from "./connect";

/** One SQS record as the erasure worker reads it. */
export interface ErasureRecord {
  readonly messageId: string;
  readonly body: string;
}

export type ErasureLog = (message: string, extra: Record<string, unknown>) => void;

/**
 * Runs each record's job one bounded step: a step that ran out of time queues the job again and lets its record
 * go; a step that failed reports the record (SQS receives it again, and after `maxReceiveCount` moves it to the
 * DLQ). A record that is not a job can never become one: it is reported until it reaches the DLQ.
 */
export function erasureWorker(connect: ConnectWiring, log: ErasureLog) {
  return async (
    records: readonly ErasureRecord[],
    remainingMs: () => number,
  ): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> => {
    const failures: { itemIdentifier: string }[] = [];
    for (const record of records) {
      let job: { code: string; personIds: string[] };
      try {
        job = ErasureJobBody.parse(JSON.parse(record.body));
      } catch {
        log("erasure record unreadable", { recordId: record.messageId });
        failures.push({ itemIdentifier: record.messageId });
        continue;
      }
      try {
        const result: ErasureStepResult = await runErasureStep(job, {
          store: connect.integrations,
          erasure: connect.erasure,
          deletions: connect.dataDeletions,
          now: connect.now,
          leaseId: randomUUID(),
          leaseMs: ErasureQueue.leaseSeconds * 1000,
          stop: () => remainingMs() < ErasureQueue.stopBeforeTimeoutSeconds * 1000,
        });
        if (result === "continue") await connect.erasureQueue.enqueue(job);
        const status = await connect.dataDeletions.get(job.code);
        log("erasure step finished", { confirmationCode: job.code, result, erased: status?.erased });
      } catch (error) {
        log("erasure step failed; the record will be received again", {
          confirmationCode: job.code,
          error: error instanceof Error ? error.message : String(error),
        });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  };
}
