import { Duration, Stack, Validations } from "aws-cdk-lib";
import { type ITable, Table } from "aws-cdk-lib/aws-dynamodb";
import { EventBus, Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction, SqsQueue } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { FilterCriteria, FilterRule, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq, SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { Env } from "../../lambdas/contract/env";
import { EVENT_ENTITIES, EVENT_SOURCE, WINDOW_CHECK_MINUTES } from "../../lambdas/contract/events";
import { WebhookDeliveryQueue } from "../../lambdas/contract/queues";
import { WindowIndex } from "../../lambdas/contract/table";
import { Access } from "./function-access";
import { HouseFunction } from "./house-function";

export interface EventsProps {
  readonly table: ITable;
  readonly tableKey: IKey;
  readonly logRetention: RetentionDays;
  readonly environment: Record<string, string>;
  /** Stage config `appWebhookUrl`: when set, every event is also POSTed there, signed. */
  readonly appWebhookUrl?: string;
}

/** How long the bus archive keeps events (a deleted person's events leave it by expiry). */
export const ARCHIVE_RETENTION_DAYS = 30;
/**
 * Events out (docs/events.md): the table's stream feeds the `events` function (filtered to the entities that
 * matter, partial batch failures, bisect on error, failed batches to an SQS destination), which puts events on
 * a custom EventBridge bus with an archive for replay. With `appWebhookUrl`, a rule on the bus feeds the
 * webhook queue (with its DLQ) and the delivery function POSTs each event signed per Standard Webhooks.
 */
export class Events extends Construct {
  readonly bus: EventBus;
  readonly publisher: HouseFunction;
  /** The scheduled window-closing detector (docs/events.md). */
  readonly windowClosing: HouseFunction;
  readonly failedBatches: Queue;
  readonly delivery?: HouseFunction;
  readonly webhookQueue?: Queue;
  readonly webhookDeadLetterQueue?: Queue;
  readonly webhookSecret?: Secret;

  constructor(scope: Construct, id: string, props: EventsProps) {
    super(scope, id);
    this.bus = new EventBus(this, "Bus", { description: "Instagram DM events (docs/events.md)" });
    this.bus.archive("Archive", {
      description: "Every event, for replay",
      eventPattern: { source: [EVENT_SOURCE] },
      // Events carry message content and an archive cannot erase one person's events: a data deletion reaches
      // the archive only by expiry, so it is kept no longer than a replay after an outage needs (docs/events.md).
      retention: Duration.days(ARCHIVE_RETENTION_DAYS),
    });

    this.failedBatches = new Queue(this, "FailedBatches", {
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.failedBatches).acknowledge({
      id: "AwsSolutions::AwsSolutions-SQS3",
      reason:
        "It is itself a dead-letter queue: the on-failure destination of the table stream's event source.",
    });
    this.publisher = new HouseFunction(this, "Events", {
      handler: "events",
      logRetention: props.logRetention,
      timeout: Duration.seconds(30),
      environment: props.environment,
    });
    // The event source grants reading the stream (and its key); the table actions are the user lookup and the
    // window index's upkeep.
    this.publisher.useTable(props.table, props.tableKey, Access.events.table ?? []);
    this.publisher.addEnvironment(Env.eventBusName, this.bus.eventBusName);
    this.publisher.addToRolePolicy(
      new PolicyStatement({ actions: ["events:PutEvents"], resources: [this.bus.eventBusArn] }),
    );
    const entityIn = { entity: { S: FilterRule.or(...EVENT_ENTITIES) } };
    // The event source grants stream reads on the table it is given, and would add the table key's Decrypt
    // with no condition; given the stream alone, the key is granted below only through DynamoDB, for this table.
    const streamOnly = Table.fromTableAttributes(this, "Stream", {
      tableArn: props.table.tableArn,
      tableStreamArn: props.table.tableStreamArn,
    });
    const viaDynamoDb = { "kms:ViaService": `dynamodb.${Stack.of(this).region}.amazonaws.com` };
    this.publisher.addToRolePolicy(
      new PolicyStatement({
        actions: ["kms:Decrypt"],
        resources: [props.tableKey.keyArn],
        conditions: {
          StringEquals: {
            ...viaDynamoDb,
            "kms:EncryptionContext:aws:dynamodb:tableName": props.table.tableName,
          },
        },
      }),
    );
    this.publisher.addToRolePolicy(
      new PolicyStatement({
        actions: ["kms:DescribeKey"],
        resources: [props.tableKey.keyArn],
        conditions: { StringEquals: viaDynamoDb },
      }),
    );
    this.publisher.addEventSource(
      new DynamoEventSource(streamOnly, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        // Order within an item's shard is kept: one batch per shard at a time (parallelization factor 1).
        parallelizationFactor: 1,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(24),
        onFailure: new SqsDlq(this.failedBatches),
        filters: [
          FilterCriteria.filter({ dynamodb: { NewImage: entityIn } }),
          FilterCriteria.filter({ dynamodb: { OldImage: entityIn } }),
        ],
      }),
    );

    this.windowClosing = this.windowClosingDetector(props);
    if (props.appWebhookUrl) this.webhooks(props, props.appWebhookUrl);
  }

  /** No timer per conversation: one scheduled query of the sparse window index every few minutes. */
  private windowClosingDetector(props: EventsProps): HouseFunction {
    const detector = new HouseFunction(this, "WindowClosing", {
      handler: "window-closing",
      logRetention: props.logRetention,
      timeout: Duration.minutes(2),
      environment: props.environment,
    }).useTable(props.table, props.tableKey, Access["window-closing"].table ?? []);
    detector.addToRolePolicy(
      new PolicyStatement({
        actions: ["dynamodb:Query"],
        resources: [`${props.table.tableArn}/index/${WindowIndex.name}`],
      }),
    );
    new Rule(this, "WindowClosingSchedule", {
      description: "Announces reply windows about to close (conversation.window_closing)",
      schedule: Schedule.rate(Duration.minutes(WINDOW_CHECK_MINUTES)),
      // A missed run is covered by the next one: the query reaches back to every window not yet announced.
      targets: [new LambdaFunction(detector, { retryAttempts: 0 })],
    });
    return detector;
  }

  private webhooks(props: EventsProps, url: string): void {
    const secret = new Secret(this, "WebhookSecret", {
      description: "Signing secret of outgoing webhooks: the receiver's secret is whsec_ + this value",
      // 64 alphanumerics are valid base64 (48 bytes): Standard Webhooks' `whsec_<base64>` without conversion.
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const dlq = new Queue(this, "WebhookDeadLetterQueue", {
      retentionPeriod: Duration.seconds(WebhookDeliveryQueue.dlqRetentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    const queue = new Queue(this, "WebhookQueue", {
      visibilityTimeout: Duration.seconds(WebhookDeliveryQueue.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(WebhookDeliveryQueue.retentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: dlq, maxReceiveCount: WebhookDeliveryQueue.maxReceiveCount },
    });
    new Rule(this, "WebhookRule", {
      eventBus: this.bus,
      description: "Every event to the outgoing webhook queue",
      eventPattern: { source: [EVENT_SOURCE] },
      targets: [new SqsQueue(queue)],
    });
    const delivery = new HouseFunction(this, "WebhookDelivery", {
      handler: "webhook-delivery",
      logRetention: props.logRetention,
      timeout: Duration.seconds(WebhookDeliveryQueue.deliveryTimeoutSeconds),
      environment: props.environment,
    });
    delivery.addEnvironment(Env.appWebhookUrl, url);
    delivery.addEnvironment(Env.webhookQueueUrl, queue.queueUrl);
    delivery.addEnvironment(Env.appWebhookSecretId, secret.secretArn);
    delivery.addToRolePolicy(
      new PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [secret.secretArn] }),
    );
    // The backoff: a failed event is hidden for longer after every attempt (the event source grants receiving).
    delivery.addToRolePolicy(
      new PolicyStatement({ actions: ["sqs:ChangeMessageVisibility"], resources: [queue.queueArn] }),
    );
    delivery.addEventSource(
      new SqsEventSource(queue, { batchSize: WebhookDeliveryQueue.batchSize, reportBatchItemFailures: true }),
    );
    Object.assign(this, {
      delivery,
      webhookQueue: queue,
      webhookDeadLetterQueue: dlq,
      webhookSecret: secret,
    });
  }
}
