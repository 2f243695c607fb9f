import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { EVENT_ENTITIES, EVENT_SOURCE, WINDOW_CHECK_MINUTES } from "../../lambdas/contract/events";
import { WebhookDeliveryQueue } from "../../lambdas/contract/queues";
import { WindowIndex } from "../../lambdas/contract/table";
import { devConfig, synthStack } from "../support/synth";

type Resource = { Type: string; Properties: Record<string, unknown> };

const WEBHOOK_URL = "https://app.example.com/instagram-events";
let withWebhook: Template;
let withoutWebhook: Template;

beforeAll(() => {
  withWebhook = synthStack(devConfig({ appWebhookUrl: WEBHOOK_URL }), { bundle: false }).template;
  withoutWebhook = synthStack(devConfig(), { bundle: false }).template;
});

const ofType = (template: Template, type: string) =>
  Object.entries(template.findResources(type)) as [string, Resource][];
/** Rules on the events bus (the token refresh's schedule is on the default bus). */
const busRules = (template: Template) =>
  ofType(template, "AWS::Events::Rule").filter(([, rule]) => rule.Properties.EventBusName !== undefined);

describe("events out: stream → events function → bus", () => {
  it("the table streams new and old images", () => {
    withoutWebhook.hasResourceProperties("AWS::DynamoDB::Table", {
      StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" },
    });
  });

  it("the stream's event source filters to the entities that matter, with partial failures, bisection and an on-failure queue", () => {
    const mappings = ofType(withoutWebhook, "AWS::Lambda::EventSourceMapping").filter(
      ([, mapping]) => mapping.Properties.StartingPosition === "TRIM_HORIZON",
    );
    expect(mappings).toHaveLength(1);
    const mapping = (mappings[0] as [string, Resource])[1].Properties;
    expect(mapping).toMatchObject({
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      ParallelizationFactor: 1,
      DestinationConfig: {
        OnFailure: {
          Destination: { "Fn::GetAtt": [expect.stringMatching(/^EventsOutFailedBatches/), "Arn"] },
        },
      },
    });
    const patterns = (mapping.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map((filter) =>
      JSON.parse(filter.Pattern),
    );
    expect(patterns).toEqual([
      { dynamodb: { NewImage: { entity: { S: [...EVENT_ENTITIES] } } } },
      { dynamodb: { OldImage: { entity: { S: [...EVENT_ENTITIES] } } } },
    ]);
  });

  it("a custom bus with an archive of every event", () => {
    expect(ofType(withoutWebhook, "AWS::Events::EventBus")).toHaveLength(1);
    withoutWebhook.hasResourceProperties("AWS::Events::Archive", {
      EventPattern: { source: [EVENT_SOURCE] },
      RetentionDays: 30,
    });
  });

  it("the failed-batch queue is alarmed with a runbook section", () => {
    withoutWebhook.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmDescription: Match.stringLikeRegexp("#event-batches-failed$"),
      MetricName: "ApproximateNumberOfMessagesVisible",
    });
  });

  it("without an app webhook URL there is no rule, no delivery queue and no signing secret", () => {
    expect(busRules(withoutWebhook)).toHaveLength(0);
    expect(ofType(withoutWebhook, "AWS::SecretsManager::Secret")).toHaveLength(1);
  });
});

describe("window closing: a sparse index and a schedule, no timer per conversation", () => {
  it("the window index is keyed by shard and window end and projects the keys only", () => {
    const [, table] = ofType(withoutWebhook, "AWS::DynamoDB::Table")[0] as [string, Resource];
    const indexes = table.Properties.GlobalSecondaryIndexes as { IndexName: string }[];
    expect(indexes.find((index) => index.IndexName === WindowIndex.name)).toEqual({
      IndexName: WindowIndex.name,
      KeySchema: [
        { AttributeName: WindowIndex.partitionKey, KeyType: "HASH" },
        { AttributeName: WindowIndex.sortKey, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "KEYS_ONLY" },
    });
    expect(EVENT_ENTITIES).toContain("conversation");
  });

  it("a rule runs the detector every few minutes", () => {
    const schedules = ofType(withoutWebhook, "AWS::Events::Rule").filter(
      ([, rule]) => rule.Properties.ScheduleExpression === `rate(${WINDOW_CHECK_MINUTES} minutes)`,
    );
    expect(schedules).toHaveLength(1);
    const targets = (schedules[0] as [string, Resource])[1].Properties.Targets as { Arn: unknown }[];
    expect(JSON.stringify(targets[0]?.Arn)).toMatch(/EventsOutWindowClosing/);
  });
});

describe("outgoing webhooks (appWebhookUrl set)", () => {
  it("a rule on the bus feeds the delivery queue", () => {
    const rules = busRules(withWebhook);
    expect(rules).toHaveLength(1);
    const rule = (rules[0] as [string, Resource])[1].Properties;
    expect(rule.EventPattern).toEqual({ source: [EVENT_SOURCE] });
    expect(JSON.stringify(rule.EventBusName)).toContain("EventsOutBus");
    expect(JSON.stringify(rule.Targets)).toContain("EventsOutWebhookQueue");
  });

  it("the delivery queue dead-letters after the declared receive budget; its DLQ is alarmed", () => {
    withWebhook.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: WebhookDeliveryQueue.visibilityTimeoutSeconds,
      RedrivePolicy: {
        maxReceiveCount: WebhookDeliveryQueue.maxReceiveCount,
        deadLetterTargetArn: Match.anyValue(),
      },
      SqsManagedSseEnabled: true,
    });
    withWebhook.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmDescription: Match.stringLikeRegexp("#webhooks-dead-lettered$"),
      MetricName: "ApproximateNumberOfMessagesVisible",
    });
  });

  it("the delivery function consumes it with partial batch responses and knows the URL, never the secret's value", () => {
    withWebhook.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: WebhookDeliveryQueue.batchSize,
      EventSourceArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^EventsOutWebhookQueue"), "Arn"] },
    });
    const delivery = ofType(withWebhook, "AWS::Lambda::Function").find(([id]) =>
      id.startsWith("EventsOutWebhookDelivery"),
    );
    expect(delivery).toBeDefined();
    const environment = (delivery as [string, Resource])[1].Properties.Environment;
    const variables = (environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.APP_WEBHOOK_URL).toBe(WEBHOOK_URL);
    expect(JSON.stringify(variables.APP_WEBHOOK_SECRET_ID)).toMatch(/^\{"Ref":"EventsOutWebhookSecret/);
  });

  it("the signing secret is generated at deploy as 64 alphanumerics (valid base64 for whsec_)", () => {
    withWebhook.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
  });
});
