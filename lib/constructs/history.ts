import { Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { HistoryQueue } from "../../lambdas/contract/queues";
import { Access } from "./function-access";
import { HouseFunction } from "./house-function";

export interface HistoryProps {
  readonly table: ITable;
  readonly tableKey: IKey;
  readonly secret: ISecret;
  readonly logRetention: RetentionDays;
  readonly environment: Record<string, string>;
}

/**
 * The history import as a job: a standard queue of steps, its dead-letter queue, and the worker that runs one paced
 * step per record (queuing the next until the account's recent conversations are in).
 */
export class History extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly worker: HouseFunction;

  constructor(scope: Construct, id: string, props: HistoryProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      retentionPeriod: Duration.seconds(HistoryQueue.dlqRetentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, "Queue", {
      visibilityTimeout: Duration.seconds(HistoryQueue.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(HistoryQueue.retentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: HistoryQueue.maxReceiveCount },
    });
    this.worker = new HouseFunction(this, "HistoryImport", {
      handler: "history-import",
      logRetention: props.logRetention,
      timeout: Duration.seconds(HistoryQueue.workerTimeoutSeconds),
      environment: props.environment,
    }).useAccess(Access["history-import"], { ...props, historyQueue: this.queue });
    this.worker.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: HistoryQueue.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: HistoryQueue.maxConcurrency,
      }),
    );
  }
}
