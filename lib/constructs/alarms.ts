import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Key } from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/** Where every alarm's description points; the anchors are section headings of docs/runbook.md. */
export const RUNBOOK = "docs/runbook.md";

export interface AlarmsProps {
  readonly deadLetterQueue: IQueue;
  readonly functions: ReadonlyMap<string, IFunction>;
  readonly alarmEmail?: string;
}

/**
 * Alarms an operator acts on, each linking to its runbook section: messages in the dead-letter queue,
 * and errors and throttles of every function. All notify one encrypted SNS topic.
 */
export class Alarms extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, "Topic", {
      displayName: "Instagram DM alarms",
      masterKey: new Key(this, "TopicKey", {
        enableKeyRotation: true,
        description: "Encrypts the alarm topic",
      }),
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const notify = new SnsAction(this.topic);

    new Alarm(this, "DeadLetters", {
      alarmDescription: `Outbound messages reached the dead-letter queue. Runbook: ${RUNBOOK}#dead-letter-queue-not-empty`,
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: "Maximum",
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(notify);

    for (const [name, fn] of props.functions) {
      new Alarm(this, `${name}Errors`, {
        alarmDescription: `${name} is failing. Runbook: ${RUNBOOK}#function-errors`,
        metric: fn.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(notify);
      new Alarm(this, `${name}Throttles`, {
        alarmDescription: `${name} is being throttled by Lambda. Runbook: ${RUNBOOK}#function-throttles`,
        metric: fn.metricThrottles({ period: Duration.minutes(5), statistic: "Sum" }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(notify);
    }
  }
}
