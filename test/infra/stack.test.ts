import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { FunctionMemoryMb } from "../../bench/cost";
import { ErasureQueue, HistoryQueue, OutboundQueue, ProfileQueue } from "../../lambdas/contract/queues";
import { Routes } from "../../lambdas/contract/routes";
import { MainTable, WindowIndex } from "../../lambdas/contract/table";
import { devConfig, synthStack } from "../support/synth";

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

let template: Template;
const resources = (type: string) => Object.values(template.findResources(type)) as Resource[];

beforeAll(() => {
  ({ template } = synthStack());
});

describe("functions", () => {
  it("every function runs Node.js 24 on ARM64 with its own retained-for-a-while log group", () => {
    const functions = resources("AWS::Lambda::Function");
    // The routes, the sender, the token refresh, the erasure, history and profile fetch workers, the events
    // publisher and the window-closing detector (no webhook URL in dev).
    expect(functions).toHaveLength(Routes.length + 7);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe("nodejs24.x");
      expect(fn.Properties.Architectures).toEqual(["arm64"]);
      expect(fn.Properties.LoggingConfig).toMatchObject({
        LogGroup: expect.anything(),
        // The platform's START/END/REPORT lines cost more log bytes than our own line; warnings still come.
        LogFormat: "JSON",
        SystemLogLevel: "WARN",
        ApplicationLogLevel: "INFO",
      });
    }
    const logGroups = resources("AWS::Logs::LogGroup");
    expect(logGroups.length).toBeGreaterThanOrEqual(functions.length + 1);
    for (const group of logGroups)
      expect(group.Properties.RetentionInDays).toBe(devConfig().logRetentionDays);
  });

  it("stage settings reach every function as environment variables", () => {
    const config = devConfig();
    for (const fn of resources("AWS::Lambda::Function")) {
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        SEND_CAP_PER_HOUR: String(config.sendCapPerHour),
        TOKEN_REFRESH_WINDOW_DAYS: String(config.tokenRefreshWindowDays),
        JWT_ORG_ID_CLAIM: config.jwtOrgIdClaim,
        RETURN_TO_ORIGINS: config.returnToOrigins.join(","),
      });
    }
  });

  it("no IAM statement uses a wildcard action or an AWS managed policy", () => {
    for (const policy of resources("AWS::IAM::Policy")) {
      const document = policy.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] };
      for (const statement of document.Statement) {
        for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
      }
    }
    for (const role of resources("AWS::IAM::Role")) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("every function traces actively with X-Ray and may write its trace segments", () => {
    const functions = resources("AWS::Lambda::Function");
    for (const fn of functions) expect(fn.Properties.TracingConfig).toEqual({ Mode: "Active" });
    const xrayPolicies = resources("AWS::IAM::Policy").filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes("xray:PutTraceSegments"),
    );
    expect(xrayPolicies).toHaveLength(functions.length);
  });
});

describe("bench prices what the stack deploys", () => {
  it("the bench's memory table matches each priced function's memory", () => {
    // Construct ids are the handler's name in PascalCase under its construct (see access.test.ts).
    const functions = template.findResources("AWS::Lambda::Function");
    for (const [name, memoryMb] of Object.entries(FunctionMemoryMb)) {
      const pascal = name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
      const ids = Object.keys(functions).filter((id) =>
        new RegExp(`^(Api|Outbound)?${pascal}[0-9A-F]{8}$`).test(id),
      );
      expect(ids, name).toHaveLength(1);
      expect((functions[ids[0] as string] as Resource).Properties.MemorySize, name).toBe(memoryMb);
    }
  });
});

describe("storage", () => {
  it("the table has PITR, a customer-managed KMS key, TTL, every GSI, and is retained", () => {
    const tables = resources("AWS::DynamoDB::Table");
    expect(tables).toHaveLength(1);
    const table = tables[0] as Resource;
    expect(table.DeletionPolicy).toBe("Retain");
    expect(table.Properties).toMatchObject({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: "KMS", KMSMasterKeyId: expect.anything() },
      TimeToLiveSpecification: { AttributeName: MainTable.ttlAttribute, Enabled: true },
      BillingMode: "PAY_PER_REQUEST",
    });
    const indexNames = (table.Properties.GlobalSecondaryIndexes as { IndexName: string }[]).map(
      (i) => i.IndexName,
    );
    expect(indexNames).toEqual([...MainTable.indexes.map((index) => index.name), WindowIndex.name]);
    template.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
  });

  it("two secrets: the Meta credentials (the guide's three names, for the operator) and a generated token key", () => {
    template.hasResourceProperties("AWS::SecretsManager::Secret", {
      SecretString: JSON.stringify({
        INSTAGRAM_APP_ID: "",
        INSTAGRAM_APP_SECRET: "",
        INSTAGRAM_WEBHOOK_VERIFY_TOKEN: "",
      }),
    });
    template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ PREVIOUS_TOKEN_ENCRYPTION_KEYS: "" }),
        GenerateStringKey: "TOKEN_ENCRYPTION_KEY",
      },
    });
    // The token key lives in its own secret only: no other secret carries a key field.
    const secrets = resources("AWS::SecretsManager::Secret").map((secret) =>
      JSON.stringify(secret.Properties),
    );
    expect(secrets.filter((text) => text.includes("TOKEN_ENCRYPTION_KEY"))).toHaveLength(1);
  });
});

describe("outbound", () => {
  it("a FIFO queue with an encrypted FIFO dead-letter queue and the declared receive count", () => {
    // The events' queues are standard queues (test/infra/events.test.ts).
    const queues = resources("AWS::SQS::Queue").filter((queue) => queue.Properties.FifoQueue === true);
    expect(queues).toHaveLength(2);
    for (const queue of queues)
      expect(queue.Properties).toMatchObject({ FifoQueue: true, SqsManagedSseEnabled: true });
    template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: OutboundQueue.visibilityTimeoutSeconds,
      RedrivePolicy: {
        maxReceiveCount: OutboundQueue.maxReceiveCount,
        deadLetterTargetArn: Match.anyValue(),
      },
    });
  });

  it("the sender consumes it with partial batch responses", () => {
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: OutboundQueue.batchSize,
      ScalingConfig: { MaximumConcurrency: OutboundQueue.maxConcurrency },
    });
  });

  it("erasure: a standard queue with an encrypted dead-letter queue, consumed by the worker in partial batches", () => {
    const standard = resources("AWS::SQS::Queue").filter((queue) => queue.Properties.FifoQueue === undefined);
    // The erasure queue and its DLQ, the history queue and its DLQ, the profile queue and its DLQ, and the
    // events' failed-batch queue
    // (test/infra/events.test.ts).
    expect(standard).toHaveLength(7);
    for (const queue of standard) expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: ErasureQueue.visibilityTimeoutSeconds,
      RedrivePolicy: { maxReceiveCount: ErasureQueue.maxReceiveCount, deadLetterTargetArn: Match.anyValue() },
    });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: ErasureQueue.batchSize,
      ScalingConfig: { MaximumConcurrency: ErasureQueue.maxConcurrency },
    });
  });

  it("history import: a standard queue with an encrypted DLQ, one step per record, partial batches", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: HistoryQueue.visibilityTimeoutSeconds,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { maxReceiveCount: HistoryQueue.maxReceiveCount, deadLetterTargetArn: Match.anyValue() },
    });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: HistoryQueue.batchSize,
      ScalingConfig: { MaximumConcurrency: HistoryQueue.maxConcurrency },
    });
  });

  it("profiles: a standard queue with an encrypted dead-letter queue, consumed by profile-fetch in partial batches", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: ProfileQueue.visibilityTimeoutSeconds,
      RedrivePolicy: { maxReceiveCount: ProfileQueue.maxReceiveCount, deadLetterTargetArn: Match.anyValue() },
    });
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      BatchSize: ProfileQueue.batchSize,
      ScalingConfig: { MaximumConcurrency: ProfileQueue.maxConcurrency },
    });
  });

  it("the token refresh runs daily", () => {
    template.hasResourceProperties("AWS::Events::Rule", { ScheduleExpression: "cron(17 3 * * ? *)" });
  });
});

describe("api", () => {
  it("declares every route, JWT-protected exactly where the contract says", () => {
    const routes = resources("AWS::ApiGatewayV2::Route");
    const byKey = new Map(routes.map((route) => [route.Properties.RouteKey as string, route.Properties]));
    expect([...byKey.keys()].sort()).toEqual(Routes.map((route) => `${route.method} ${route.path}`).sort());
    for (const route of Routes) {
      expect(byKey.get(`${route.method} ${route.path}`)?.AuthorizationType ?? "NONE").toBe(
        route.auth === "jwt" ? "JWT" : "NONE",
      );
    }
  });

  it("the JWT authorizer takes issuer and audience from stage config", () => {
    const config = devConfig();
    template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
      AuthorizerType: "JWT",
      JwtConfiguration: { Issuer: config.jwtIssuer, Audience: [...config.jwtAudience] },
    });
  });

  it("the stage has access logging and throttling", () => {
    const config = devConfig();
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp("requestId") },
      DefaultRouteSettings: {
        ThrottlingRateLimit: config.apiThrottle.rateLimit,
        ThrottlingBurstLimit: config.apiThrottle.burstLimit,
      },
    });
  });
});

describe("outputs", () => {
  it("outputs exactly what the operator pastes into Meta's dashboard", () => {
    const outputs = template.findOutputs("*");
    expect(Object.keys(outputs).sort()).toEqual(
      [
        "ApiUrl",
        "AppSecretArn",
        "DataDeletionRequestUrl",
        "TokenKeySecretArn",
        "DeauthorizeCallbackUrl",
        "EventBusName",
        "OAuthRedirectUri",
        "WebhookCallbackUrl",
      ].sort(),
    );
    expect(JSON.stringify(outputs.OAuthRedirectUri?.Value)).toContain("/instagram/oauth/callback");
    expect(JSON.stringify(outputs.WebhookCallbackUrl?.Value)).toContain("/instagram/webhook");
  });
});
