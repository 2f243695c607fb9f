import { Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { Env } from "../../lambdas/contract/env";
import { ProfileQueue } from "../../lambdas/contract/queues";
import { Access } from "./function-access";
import { HouseFunction } from "./house-function";

export interface ProfilesProps {
  readonly table: ITable;
  readonly tableKey: IKey;
  readonly credentials: ISecret;
  readonly tokenKey: ISecret;
  readonly logRetention: RetentionDays;
  readonly environment: Record<string, string>;
}

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
    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      retentionPeriod: Duration.seconds(ProfileQueue.dlqRetentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, "Queue", {
      visibilityTimeout: Duration.seconds(ProfileQueue.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(ProfileQueue.retentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: ProfileQueue.maxReceiveCount },
    });
    this.worker = new HouseFunction(this, "ProfileFetch", {
      handler: "profile-fetch",
      logRetention: props.logRetention,
      timeout: Duration.seconds(ProfileQueue.workerTimeoutSeconds),
      // Its own queue's URL: a throttled job is hidden for Meta's wait (ChangeMessageVisibility, granted by the
      // event source below), never re-sent.
      environment: { ...props.environment, [Env.profileQueueUrl]: this.queue.queueUrl },
    }).useAccess(Access["profile-fetch"], props);
    this.worker.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: ProfileQueue.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: ProfileQueue.maxConcurrency,
      }),
    );
  }
}
