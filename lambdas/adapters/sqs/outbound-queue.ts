import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import * as z from "zod";
import { conversationId } from "../../domain/conversation";
import type { OutboundMessage, OutboundQueue, OutboundRef } from "../../domain/outbound/ports";
import type { QueueRecord, RecordOutcome } from "../../domain/outbound/send";

/**
 * The queue record body: a reference, never the content (the table is the source of truth). Besides the
 * message's key it names the keys the sender reads with it (owner, account, customer), so one BatchGetItem
 * reads them all; records queued before they were added have only the message's key.
 */
export const OutboundRecordBody = z.strictObject({
  imoId: z.string().min(1),
  messageId: z.string().min(1).max(128),
  userId: z.string().min(1).max(1024).optional(),
  igAccountId: z.string().min(1).max(1024).optional(),
  igsid: z.string().min(1).max(1024).optional(),
});

/** Group = conversation (order within it), dedup id = message id (an accidental double enqueue collapses). */
export function sqsOutboundQueue(client: SQSClient, queueUrl: string): OutboundQueue {
  return {
    async enqueue(message: OutboundMessage) {
      const body: OutboundRef = {
        imoId: message.imoId,
        messageId: message.messageId,
        userId: message.userId,
        igAccountId: message.igAccountId,
        igsid: message.igsid,
      };
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(body),
          MessageGroupId: conversationId(message.igAccountId, message.igsid),
          MessageDeduplicationId: message.messageId,
        }),
      );
    },
  };
}

/** SQS allows at most 12 hours of visibility per receive; a longer wait comes back early and defers again. */
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60 - 60;

/** Hides a received record until `until` (rounded up to whole seconds, so it never returns before its slot). */
export async function deferRecord(
  client: SQSClient,
  queueUrl: string,
  receiptHandle: string,
  until: number,
  now: number,
): Promise<void> {
  await client.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: visibilitySeconds(until, now),
    }),
  );
}

function visibilitySeconds(until: number, now: number): number {
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil((until - now) / 1000)));
}

/** Copies a record to the dead-letter queue (same group; dedup on the original record id). */
export async function deadLetter(
  client: SQSClient,
  dlqUrl: string,
  record: { readonly body: string; readonly group: string; readonly recordId: string },
): Promise<void> {
  await client.send(
    new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: record.body,
      MessageGroupId: record.group,
      MessageDeduplicationId: record.recordId,
    }),
  );
}

/** One SQS record as the sender needs it (the subset of the Lambda event record it reads). */
export interface ReceivedRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: { readonly ApproximateReceiveCount?: string; readonly MessageGroupId?: string };
}

export interface SenderQueues {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly dlqUrl: string;
}

/**
 * Runs one batch through the sender's decisions and applies them to the queue: `defer` hides the record until
 * its time and reports it failed (so it stays), `dead_letter` copies it to the DLQ and lets it be deleted.
 * Returns the ids to report as batch item failures.
 */
export async function runSenderBatch(
  records: readonly ReceivedRecord[],
  queues: SenderQueues,
  process: (records: readonly QueueRecord[]) => Promise<RecordOutcome[]>,
  now: () => number,
  log: (message: string, extra: Record<string, unknown>) => void = () => undefined,
): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
  const failures: { itemIdentifier: string }[] = [];
  const parsed: { record: ReceivedRecord; queueRecord: QueueRecord }[] = [];
  for (const record of records) {
    let ref: OutboundRef;
    try {
      ref = OutboundRecordBody.parse(JSON.parse(record.body));
    } catch {
      // A record we cannot read will never become readable: park it in the DLQ for an operator.
      log("outbound record unreadable; dead-lettered", { recordId: record.messageId });
      await deadLetter(queues.client, queues.dlqUrl, {
        body: record.body,
        group: record.attributes.MessageGroupId ?? "unreadable",
        recordId: record.messageId,
      });
      continue;
    }
    parsed.push({
      record,
      queueRecord: {
        ref,
        group: record.attributes.MessageGroupId ?? ref.messageId,
        receiveCount: Number(record.attributes.ApproximateReceiveCount ?? "1"),
      },
    });
  }
  const outcomes = await process(parsed.map((p) => p.queueRecord));
  const deferrals: { receiptHandle: string; until: number }[] = [];
  for (const [index, { record }] of parsed.entries()) {
    const outcome = outcomes[index];
    if (outcome === undefined) {
      failures.push({ itemIdentifier: record.messageId });
      continue;
    }
    log("outbound record handled", {
      messageId: parsed[index]?.queueRecord.ref.messageId,
      outcome: outcome.kind,
      result: outcome.result,
    });
    if (outcome.kind === "defer") {
      failures.push({ itemIdentifier: record.messageId });
      deferrals.push({ receiptHandle: record.receiptHandle, until: outcome.until });
    } else if (outcome.kind === "dead_letter") {
      try {
        await deadLetter(queues.client, queues.dlqUrl, {
          body: record.body,
          group: record.attributes.MessageGroupId ?? "outbound",
          recordId: record.messageId,
        });
      } catch {
        failures.push({ itemIdentifier: record.messageId });
      }
    }
  }
  // If this fails the records simply return after the queue's visibility timeout.
  await deferRecords(queues.client, queues.queueUrl, deferrals, now()).catch(() => undefined);
  return { batchItemFailures: failures };
}

/**
 * Hides a batch's deferred records, ten per request (`ChangeMessageVisibilityBatch`): with batches of ten, a
 * waiting conversation's followers are deferred with it, and one request for all of them keeps the SQS bill
 * per sent message low (docs/performance.md, "Sizing the sender").
 */
export async function deferRecords(
  client: SQSClient,
  queueUrl: string,
  deferrals: readonly { readonly receiptHandle: string; readonly until: number }[],
  now: number,
): Promise<void> {
  for (let start = 0; start < deferrals.length; start += 10) {
    const chunk = deferrals.slice(start, start + 10);
    if (chunk.length === 1 && chunk[0] !== undefined) {
      await deferRecord(client, queueUrl, chunk[0].receiptHandle, chunk[0].until, now);
      continue;
    }
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((deferral, index) => ({
          Id: String(index),
          ReceiptHandle: deferral.receiptHandle,
          VisibilityTimeout: visibilitySeconds(deferral.until, now),
        })),
      }),
    );
  }
}
