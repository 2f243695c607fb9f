import { ArnFormat, Duration, Stack } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { Defaults } from "../../lambdas/contract/env";
import { Routes } from "../../lambdas/contract/routes";
import type { Api } from "./api";

/** Where every alarm's description points; the anchors are section headings of docs/runbook.md. */
export const RUNBOOK = "docs/runbook.md";

/** Custom metrics the handlers emit (Powertools Metrics: namespace and `service` dimension from Defaults). */
export const AlarmedMetrics = {
  /** lambdas/domain/webhook/receive.ts, when X-Hub-Signature-256 does not match. */
  signatureInvalid: "WebhookSignatureInvalid",
  /** lambdas/handlers/sender.ts, per record the sender moves to the dead-letter queue. */
  deadLettered: "OutboundDeadLettered",
  /** lambdas/handlers/sender.ts and token-refresh.ts, when Meta refuses a token and it must be reconnected. */
  needsReauth: "IntegrationNeedsReauth",
  /** lambdas/handlers/sender.ts, when Meta refuses every send of an account (10/1893063, 100/2534029). */
  restricted: "IntegrationRestricted",
} as const;

/** Invalid signatures within five minutes that mean more than a stray scanner: a wrong app secret, or an attack. */
const SIGNATURE_SPIKE = 10;

export interface AlarmsProps {
  readonly api: Api;
  readonly deadLetterQueue: IQueue;
  /** Data deletion jobs that failed repeatedly: a person's data is not erased yet. */
  readonly erasureDeadLetterQueue: IQueue;
  readonly functions: ReadonlyMap<string, IFunction>;
  /** Further dead-letter queues (events out), each alarmed when it holds anything. */
  readonly deadLetterQueues?: ReadonlyArray<{ id: string; what: string; runbook: string; queue: IQueue }>;
  readonly alarmEmail?: string;
}

interface AlarmSpec {
  readonly what: string;
  readonly runbook: string;
  readonly metric: IMetric;
  /** Alarms when the metric is above this in one period (default 0: any occurrence). */
  readonly above?: number;
}

/**
 * Alarms an operator acts on, each naming its runbook section: 5xx answers of every public route (Meta disables
 * a webhook that keeps failing) and of the app API, invalid webhook signatures, dead-lettered sends, integrations
 * that need reconnecting, and every function's errors and throttles. All notify one encrypted SNS topic that
 * CloudWatch, and only this stack's alarms, may publish to.
 */
export class Alarms extends Construct {
  readonly topic: Topic;
  private readonly notify: SnsAction;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const key = new Key(this, "TopicKey", {
      enableKeyRotation: true,
      description: "Encrypts the alarm topic",
    });
    this.topic = new Topic(this, "Topic", {
      displayName: "Instagram DM alarms",
      masterKey: key,
      enforceSSL: true,
    });
    this.allowCloudWatchToPublish(key);
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.notify = new SnsAction(this.topic);

    const { api } = props;
    const fiveMinutes = Duration.minutes(5);
    for (const route of Routes.filter((declared) => declared.auth === "public")) {
      const webhook = route.handler === "webhook-receive";
      this.alarm(`${route.handler}ServerErrors`, {
        what: `${route.method} ${route.path} answers 5xx`,
        runbook: webhook ? "webhook-5xx" : "public-route-5xx",
        metric: api.metricRouteServerErrors(route, fiveMinutes),
      });
    }
    this.alarm("AppApiServerErrors", {
      what: "The app API answers 5xx",
      runbook: "app-api-5xx",
      metric: api.stage.metricServerError({ period: fiveMinutes, statistic: "Sum" }),
    });
    this.alarm("WebhookSignatureInvalid", {
      what: `More than ${SIGNATURE_SPIKE} webhook deliveries in 5 minutes had an invalid signature`,
      runbook: "webhook-signature-invalid",
      metric: custom(AlarmedMetrics.signatureInvalid, fiveMinutes),
      above: SIGNATURE_SPIKE,
    });
    this.alarm("SendsDeadLettered", {
      what: "Outbound messages were dead-lettered",
      runbook: "sends-dead-lettered",
      metric: custom(AlarmedMetrics.deadLettered, fiveMinutes),
    });
    this.alarm("IntegrationsNeedReauth", {
      what: "Meta refused an integration's token; it needs reconnecting",
      runbook: "integration-needs-reauth",
      metric: custom(AlarmedMetrics.needsReauth, Duration.hours(1)),
    });
    this.alarm("IntegrationsRestricted", {
      what: "Meta refuses every send of an account (restricted or business blocked); its queue is paused",
      runbook: "integration-restricted",
      metric: custom(AlarmedMetrics.restricted, Duration.hours(1)),
    });
    this.alarm("DeadLetters", {
      what: "Outbound messages are in the dead-letter queue",
      runbook: "dead-letter-queue-not-empty",
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: "Maximum",
      }),
    });
    this.alarm("ErasureDeadLetters", {
      what: "Data deletion jobs are in the erasure dead-letter queue (a person's data is not erased)",
      runbook: "erasure-dead-letters",
      metric: props.erasureDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: "Maximum",
      }),
    });
    for (const extra of props.deadLetterQueues ?? []) {
      this.alarm(extra.id, {
        what: extra.what,
        runbook: extra.runbook,
        metric: extra.queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: "Maximum",
        }),
      });
    }
    for (const [name, fn] of props.functions) {
      this.alarm(`${name}Errors`, {
        what: `${name} is failing`,
        runbook: "function-errors",
        metric: fn.metricErrors({ period: fiveMinutes, statistic: "Sum" }),
      });
      this.alarm(`${name}Throttles`, {
        what: `${name} is being throttled by Lambda`,
        runbook: "function-throttles",
        metric: fn.metricThrottles({ period: fiveMinutes, statistic: "Sum" }),
      });
    }
  }

  /** One alarm on `metric`, notifying the topic; its description names the runbook section. */
  private alarm(id: string, spec: AlarmSpec): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: `${spec.what}. Runbook: ${RUNBOOK}#${spec.runbook}`,
      metric: spec.metric,
      threshold: spec.above ?? 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.notify);
    return alarm;
  }

  /**
   * CloudWatch publishes with its service principal, which needs the topic policy's Allow and the key to
   * encrypt the message (SNS developer guide, "encrypted topics"). Both are limited to this account's alarms
   * of this stack (confused deputy): CloudFormation names alarms `<stack name>-<id>-<suffix>`.
   */
  private allowCloudWatchToPublish(key: Key): void {
    const stack = Stack.of(this);
    const cloudWatch = new ServicePrincipal("cloudwatch.amazonaws.com");
    const conditions = {
      StringEquals: { "aws:SourceAccount": stack.account },
      ArnLike: {
        "aws:SourceArn": stack.formatArn({
          service: "cloudwatch",
          resource: "alarm",
          resourceName: `${stack.stackName}-*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudWatch],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        conditions,
      }),
    );
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudWatch],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions,
      }),
    );
  }
}

/** A count the handlers emit, summed per period. */
function custom(metricName: string, period: Duration): Metric {
  return new Metric({
    namespace: Defaults.metricsNamespace,
    metricName,
    dimensionsMap: { service: Defaults.serviceName },
    statistic: "Sum",
    period,
  });
}
