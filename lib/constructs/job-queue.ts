import { Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";

/** What a job feature (a queue and its worker) is built from: the table, the secrets, the logs, the environment. */
export interface JobFeatureProps {
  readonly table: ITable;
  readonly tableKey: IKey;
  readonly credentials: ISecret;
  readonly tokenKey: ISecret;
  readonly logRetention: RetentionDays;
  readonly environment: Record<string, string>;
}

/** The settings of a standard job queue, as `lambdas/contract/queues.ts` declares them per feature. */
export interface JobQueueSettings {
  readonly visibilityTimeoutSeconds: number;
  readonly retentionSeconds: number;
  readonly dlqRetentionSeconds: number;
  readonly maxReceiveCount: number;
  readonly batchSize: number;
  readonly maxConcurrency: number;
}

/**
 * A standard, encrypted, TLS-only job queue and its dead-letter queue, created on `scope` under the ids
 * "Queue" and "DeadLetterQueue" (so the features that share this shape keep their logical ids).
 */
export function addJobQueue(
  scope: Construct,
  settings: JobQueueSettings,
): { readonly queue: Queue; readonly deadLetterQueue: Queue } {
  const deadLetterQueue = new Queue(scope, "DeadLetterQueue", {
    retentionPeriod: Duration.seconds(settings.dlqRetentionSeconds),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  const queue = new Queue(scope, "Queue", {
    visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
    retentionPeriod: Duration.seconds(settings.retentionSeconds),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
}

/** The worker drains the queue in batches, reporting failed records one by one, with bounded concurrency. */
export function drainJobQueue(worker: IFunction, queue: Queue, settings: JobQueueSettings): void {
  worker.addEventSource(
    new SqsEventSource(queue, {
      batchSize: settings.batchSize,
      reportBatchItemFailures: true,
      maxConcurrency: settings.maxConcurrency,
    }),
  );
}
