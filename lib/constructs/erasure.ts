import { Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ErasureQueue } from "../../lambdas/contract/queues";
import { Access } from "./function-access";
import { HouseFunction } from "./house-function";
import { addJobQueue, drainJobQueue } from "./job-queue";

export interface ErasureProps {
  readonly table: ITable;
  readonly tableKey: IKey;
  readonly credentials: ISecret;
  readonly tokenKey: ISecret;
  readonly logRetention: RetentionDays;
  readonly environment: Record<string, string>;
}

/**
 * Data deletion as a job, off Meta's 10-second callback: a standard queue of jobs, its dead-letter queue, and the
 * erasure worker that runs each job in bounded steps (re-queuing itself until the person's data is gone).
 */
export class Erasure extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly worker: HouseFunction;

  constructor(scope: Construct, id: string, props: ErasureProps) {
    super(scope, id);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = addJobQueue(this, ErasureQueue));
    this.worker = new HouseFunction(this, "Erasure", {
      handler: "erasure",
      logRetention: props.logRetention,
      timeout: Duration.seconds(ErasureQueue.workerTimeoutSeconds),
      environment: props.environment,
    }).useAccess(Access.erasure, { ...props, erasureQueue: this.queue });
    drainJobQueue(this.worker, this.queue, ErasureQueue);
  }
}
