import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { Defaults } from "../../lambdas/contract/env";
import { Routes } from "../../lambdas/contract/routes";
import { AlarmedMetrics } from "../../lib/constructs/alarms";
import { devConfig, synthStack } from "../support/synth";

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = {
  Effect: string;
  Principal?: { Service?: string };
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
};
type AlarmProperties = {
  AlarmDescription: string;
  AlarmActions: unknown[];
  Namespace: string;
  MetricName: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Threshold: number;
  Statistic: string;
};

let template: Template;
let resources: Record<string, Resource>;
const ofType = (type: string) => Object.values(resources).filter((resource) => resource.Type === type);
const alarms = () => ofType("AWS::CloudWatch::Alarm").map((alarm) => alarm.Properties as AlarmProperties);
const publicRoutes = Routes.filter((route) => route.auth === "public");

beforeAll(() => {
  ({ template } = synthStack(undefined, { bundle: false }));
  resources = template.toJSON().Resources as Record<string, Resource>;
});

/** The statement of a resource policy that lets CloudWatch in, asserted to be limited to this stack's alarms. */
function cloudWatchStatement(statements: Statement[]): Statement {
  const allowed = statements.filter(
    (statement) =>
      statement.Effect === "Allow" && statement.Principal?.Service === "cloudwatch.amazonaws.com",
  );
  expect(allowed).toHaveLength(1);
  const statement = allowed[0] as Statement;
  expect(statement.Condition?.StringEquals?.["aws:SourceAccount"]).toEqual({ Ref: "AWS::AccountId" });
  expect(JSON.stringify(statement.Condition?.ArnLike?.["aws:SourceArn"])).toContain(":alarm:TestStack-*");
  return statement;
}

describe("alarm delivery", () => {
  it("the topic key lets CloudWatch encrypt notifications, only for this stack's alarms", () => {
    const topic = ofType("AWS::SNS::Topic")[0] as Resource;
    const keyId = (topic.Properties.KmsMasterKeyId as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const key = resources[keyId] as Resource;
    const statements = (key.Properties.KeyPolicy as { Statement: Statement[] }).Statement;
    expect([cloudWatchStatement(statements).Action].flat().sort()).toEqual([
      "kms:Decrypt",
      "kms:GenerateDataKey*",
    ]);
  });

  it("the topic policy allows CloudWatch to publish and still refuses plain HTTP", () => {
    const policies = ofType("AWS::SNS::TopicPolicy");
    expect(policies).toHaveLength(1);
    const statements = ((policies[0] as Resource).Properties.PolicyDocument as { Statement: Statement[] })
      .Statement;
    expect(cloudWatchStatement(statements).Action).toBe("sns:Publish");
    expect(statements.some((statement) => statement.Effect === "Deny")).toBe(true);
  });

  it("every alarm notifies the topic and names a section that docs/runbook.md has", () => {
    const headings = new Set(
      [...readFileSync("docs/runbook.md", "utf8").matchAll(/^## (.+)$/gm)].map((match) => match[1]),
    );
    for (const alarm of alarms()) {
      const anchor = /Runbook: docs\/runbook\.md#([a-z0-9-]+)$/.exec(alarm.AlarmDescription)?.[1];
      expect(headings, alarm.AlarmDescription).toContain(anchor);
      expect(alarm.AlarmActions).toHaveLength(1);
    }
  });
});

describe("alarms on what matters", () => {
  it("the full set: public routes' 5xx, app API 5xx, custom metrics, both DLQs, every function's errors and throttles", () => {
    const functions = ofType("AWS::Lambda::Function").length;
    // + 1: the events' failed-batch queue (the webhook DLQ exists only with an app webhook URL); + 1: the history DLQ; + 1: the profile fetch DLQ.
    expect(alarms()).toHaveLength(publicRoutes.length + 1 + 4 + 2 + 1 + 1 + 1 + 2 * functions);
  });

  it("the history dead-letter queue alarms on any message, naming its runbook section", () => {
    const alarm = alarms().find((candidate) => candidate.AlarmDescription?.includes("#history-dead-letters"));
    expect(alarm).toBeDefined();
  });

  it("the erasure dead-letter queue alarms on any message, naming its runbook section", () => {
    const alarm = alarms().find((candidate) => candidate.AlarmDescription?.includes("#erasure-dead-letters"));
    expect(alarm).toMatchObject({
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
      Threshold: 0,
    });
  });

  it("the profile fetch dead-letter queue alarms on any message, naming its runbook section", () => {
    const alarm = alarms().find((candidate) =>
      candidate.AlarmDescription?.includes("#profile-fetches-dead-lettered"),
    );
    expect(alarm).toMatchObject({
      MetricName: "ApproximateNumberOfMessagesVisible",
      Namespace: "AWS/SQS",
      Threshold: 0,
    });
  });

  it("each public route has a 5xx alarm on its route-level metric, the webhook with its own runbook", () => {
    for (const route of publicRoutes) {
      const matching = alarms().filter(
        (alarm) =>
          alarm.Namespace === "AWS/ApiGateway" &&
          alarm.MetricName === "5xx" &&
          alarm.Dimensions?.some((d) => d.Name === "Resource" && d.Value === route.path) &&
          alarm.Dimensions?.some((d) => d.Name === "Method" && d.Value === route.method),
      );
      expect(matching, `${route.method} ${route.path}`).toHaveLength(1);
      const alarm = matching[0] as AlarmProperties;
      expect(alarm.Dimensions?.map((d) => d.Name).sort()).toEqual(["ApiId", "Method", "Resource", "Stage"]);
      expect(alarm).toMatchObject({ Statistic: "Sum", Threshold: 0 });
      expect(alarm.AlarmDescription).toMatch(
        route.handler === "webhook-receive" ? /#webhook-5xx$/ : /#public-route-5xx$/,
      );
    }
  });

  it("the app API's 5xx (handled errors too) alarm on the stage", () => {
    const stageWide = alarms().filter(
      (alarm) =>
        alarm.MetricName === "5xx" &&
        alarm.Dimensions?.map((d) => d.Name)
          .sort()
          .join() === "ApiId,Stage",
    );
    expect(stageWide).toHaveLength(1);
    expect(stageWide[0]?.AlarmDescription).toMatch(/#app-api-5xx$/);
  });

  it("custom metrics alarm in the handlers' namespace and service dimension", () => {
    const expectations = [
      { name: AlarmedMetrics.signatureInvalid, threshold: 10, anchor: "webhook-signature-invalid" },
      { name: AlarmedMetrics.deadLettered, threshold: 0, anchor: "sends-dead-lettered" },
      { name: AlarmedMetrics.needsReauth, threshold: 0, anchor: "integration-needs-reauth" },
      { name: AlarmedMetrics.restricted, threshold: 0, anchor: "integration-restricted" },
    ];
    for (const { name, threshold, anchor } of expectations) {
      const alarm = alarms().find((candidate) => candidate.MetricName === name);
      expect(alarm, name).toMatchObject({
        Namespace: Defaults.metricsNamespace,
        Dimensions: [{ Name: "service", Value: Defaults.serviceName }],
        Statistic: "Sum",
        Threshold: threshold,
      });
      expect(alarm?.AlarmDescription).toMatch(new RegExp(`#${anchor}$`));
    }
  });

  it("the runtime emits every metric an alarm waits for", () => {
    const source = sourceFiles("lambdas")
      .map((file) => readFileSync(file, "utf8"))
      .join("\n");
    for (const name of Object.values(AlarmedMetrics)) expect(source, name).toContain(`"${name}"`);
  });
});

describe("the stage", () => {
  it("has detailed (route-level) metrics and its own throttle on each of Meta's public routes", () => {
    const { webhook, callbacks } = devConfig().publicRouteThrottle;
    const stage = ofType("AWS::ApiGatewayV2::Stage")[0] as Resource;
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({ DetailedMetricsEnabled: true });
    const settings = stage.Properties.RouteSettings as Record<string, unknown>;
    expect(Object.keys(settings).sort()).toEqual(publicRoutes.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of publicRoutes) {
      const limit = route.handler === "webhook-receive" ? webhook : callbacks;
      expect(settings[`${route.method} ${route.path}`]).toEqual({
        ThrottlingRateLimit: limit.rateLimit,
        ThrottlingBurstLimit: limit.burstLimit,
        DetailedMetricsEnabled: true,
      });
    }
  });

  it("is created after the routes its settings name", () => {
    const [stageId, stage] = Object.entries(template.findResources("AWS::ApiGatewayV2::Stage"))[0] ?? [];
    expect(stageId).toBeDefined();
    const dependsOn = (stage as { DependsOn?: string[] }).DependsOn ?? [];
    const routeIds = Object.entries(resources)
      .filter(([, resource]) => resource.Type === "AWS::ApiGatewayV2::Route")
      .filter(([, resource]) =>
        publicRoutes.some((r) => resource.Properties.RouteKey === `${r.method} ${r.path}`),
      )
      .map(([id]) => id);
    expect(routeIds).toHaveLength(publicRoutes.length);
    for (const id of routeIds) expect(dependsOn).toContain(id);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}
