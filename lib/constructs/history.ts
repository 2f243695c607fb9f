import { Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { HistoryQueue } from "../../lambdas/contract/queues";
import { Access } from "./function-access";
import { HouseFunction } from "./house-function";
import { addJobQueue, drainJobQueue } from "./job-queue";

export interface HistoryProps {
  readonly table: ITable;
  readonly tableKey: IKey;
  readonly credentials: ISecret;
  readonly tokenKey: ISecret;
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
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = addJobQueue(this, HistoryQueue));
    this.worker = new HouseFunction(this, "HistoryImport", {
      handler: "history-import",
      logRetention: props.logRetention,
      timeout: Duration.seconds(HistoryQueue.workerTimeoutSeconds),
      environment: props.environment,
    }).useAccess(Access["history-import"], { ...props, historyQueue: this.queue });
    drainJobQueue(this.worker, this.queue, HistoryQueue);
  }
}
