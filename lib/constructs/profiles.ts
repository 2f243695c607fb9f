import { Duration } from "aws-cdk-lib";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { Env } from "../../lambdas/contract/env";
import { ProfileQueue } from "../../lambdas/contract/queues";
import { Access } from "./function-access";
import { HouseFunction } from "./house-function";
import { addJobQueue, drainJobQueue, type JobFeatureProps } from "./job-queue";

export type ProfilesProps = JobFeatureProps;

/**
 * Customer profiles off the webhook's path: a standard queue of fetch jobs (the webhook queues them after
 * storing), its dead-letter queue, and the `profile-fetch` worker reading Meta's User Profile API.
 */
export class Profiles extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly worker: HouseFunction;

  constructor(scope: Construct, id: string, props: ProfilesProps) {
    super(scope, id);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = addJobQueue(this, ProfileQueue));
    this.worker = new HouseFunction(this, "ProfileFetch", {
      handler: "profile-fetch",
      logRetention: props.logRetention,
      timeout: Duration.seconds(ProfileQueue.workerTimeoutSeconds),
      // Its own queue's URL: a throttled job is hidden for Meta's wait (ChangeMessageVisibility, granted by the
      // event source below), never re-sent.
      environment: { ...props.environment, [Env.profileQueueUrl]: this.queue.queueUrl },
    }).useAccess(Access["profile-fetch"], props);
    drainJobQueue(this.worker, this.queue, ProfileQueue);
  }
}
