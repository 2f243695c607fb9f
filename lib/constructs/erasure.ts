import { Duration } from "aws-cdk-lib";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ErasureQueue } from "../../lambdas/contract/queues";
import { Access } from "./function-access";
import { HouseFunction } from "./house-function";
import { addJobQueue, drainJobQueue, type JobFeatureProps } from "./job-queue";

export type ErasureProps = JobFeatureProps;

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
