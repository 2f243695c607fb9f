import { Duration } from "aws-cdk-lib";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { HistoryQueue } from "../../lambdas/contract/queues";
import { Access } from "./function-access";
import { HouseFunction } from "./house-function";
import { addJobQueue, drainJobQueue, type JobFeatureProps } from "./job-queue";

export type HistoryProps = JobFeatureProps;

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
