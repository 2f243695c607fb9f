import { Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { Env } from "../../lambdas/contract/env";
import { OutboundQueue } from "../../lambdas/contract/queues";
import { Access } from "./function-access";
import { HouseFunction } from "./house-function";

export interface OutboundProps {
  readonly table: ITable;
  readonly tableKey: IKey;
  readonly credentials: ISecret;
  readonly tokenKey: ISecret;
  readonly logRetention: RetentionDays;
  readonly environment: Record<string, string>;
}

/**
 * Outbound DMs: a FIFO queue (group = conversation, so each conversation's replies keep their order),
 * its dead-letter queue, and the sender Lambda consuming it with partial batch responses.
 */
export class Outbound extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly sender: HouseFunction;

  constructor(scope: Construct, id: string, props: OutboundProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      fifo: true,
      retentionPeriod: Duration.seconds(OutboundQueue.dlqRetentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, "Queue", {
      fifo: true,
      visibilityTimeout: Duration.seconds(OutboundQueue.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(OutboundQueue.retentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: OutboundQueue.maxReceiveCount },
    });
    this.sender = new HouseFunction(this, "Sender", {
      handler: "sender",
      logRetention: props.logRetention,
      timeout: Duration.seconds(OutboundQueue.senderTimeoutSeconds),
      environment: props.environment,
    })
      .useAccess(Access.sender, props)
      .useDeadLetterQueue(this.deadLetterQueue);
    // Sized for 10,000 accounts at the cap (docs/performance.md, "Sizing the sender"): batches of 10, at most
    // maxConcurrency instances. No reserved concurrency: the event source's maximum already bounds the sender, and
    // reserving would fail deploys to accounts whose Lambda quota is below maxConcurrency + 100.
    // The event source grants consuming; the URL lets the sender delay records waiting for the send cap.
    this.sender.addEnvironment(Env.outboundQueueUrl, this.queue.queueUrl);
    this.sender.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: OutboundQueue.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: OutboundQueue.maxConcurrency,
      }),
    );
  }
}
