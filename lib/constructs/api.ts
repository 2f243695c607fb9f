import { Duration } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { Metric } from "aws-cdk-lib/aws-cloudwatch";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { Env } from "../../lambdas/contract/env";
import { type HandlerName, type RouteDeclaration, Routes } from "../../lambdas/contract/routes";
import type { Throttle } from "../stage-config";
import { Access } from "./function-access";
import { HouseFunction } from "./house-function";

export interface ApiProps {
  readonly table: ITable;
  readonly tableKey: IKey;
  readonly credentials: ISecret;
  readonly tokenKey: ISecret;
  readonly outboundQueue: IQueue;
  readonly erasureQueue: IQueue;
  readonly historyQueue: IQueue;
  /** Customer profile fetch jobs, queued by the webhook. */
  readonly profileQueue: IQueue;
  readonly jwtIssuer: string;
  readonly jwtAudience: readonly string[];
  readonly throttle: Throttle;
  /** Per-route limits of Meta's public routes: the webhook, and the rarely called callbacks. */
  readonly publicRouteThrottle: { readonly webhook: Throttle; readonly callbacks: Throttle };
  readonly logRetention: RetentionDays;
  readonly environment: Record<string, string>;
  /** Custom domain base URL, if any; otherwise the API's own endpoint. */
  readonly publicBaseUrl?: string;
}

/**
 * The HTTP API: Meta's public callbacks and the app's JWT-protected routes (declared in
 * lambdas/contract/routes.ts), one Lambda per route, with access logs, stage throttling, tighter per-route
 * throttling of the public routes, and per-route metrics (detailed metrics) for the 5xx alarms.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly functions: ReadonlyMap<HandlerName, HouseFunction>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, "HttpApi", {
      description: "Instagram DM integration: Meta callbacks and the app API",
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, "AccessLogs", { retention: props.logRetention });
    this.stage = new HttpStage(this, "DefaultStage", {
      httpApi: this.httpApi,
      stageName: "$default",
      autoDeploy: true,
      throttle: props.throttle,
      // Route-level 4xx/5xx/latency metrics: the public routes' 5xx alarms need them.
      detailedMetricsEnabled: true,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            time: "$context.requestTime",
            method: "$context.httpMethod",
            route: "$context.routeKey",
            status: "$context.status",
            latencyMs: "$context.responseLatency",
            integrationError: "$context.integrationErrorMessage",
            authorizerError: "$context.authorizer.error",
            sourceIp: "$context.identity.sourceIp",
          }),
        ),
      },
    });
    const authorizer = new HttpJwtAuthorizer("AppJwt", props.jwtIssuer, {
      jwtAudience: [...props.jwtAudience],
    });

    const environment = { ...props.environment, [Env.publicBaseUrl]: props.publicBaseUrl ?? this.url };
    const functions = new Map<HandlerName, HouseFunction>();
    for (const route of Routes) {
      const fn = this.functionFor(route.handler, { ...props, environment });
      functions.set(route.handler, fn);
      const added = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${pascal(route.handler)}Integration`, fn),
        ...(route.auth === "jwt" ? { authorizer } : {}),
      });
      // Route settings name routes by key; API Gateway rejects a key that does not exist yet.
      if (route.auth === "public") for (const created of added) this.stage.node.addDependency(created);
    }
    this.functions = functions;
    (this.stage.node.defaultChild as CfnStage).routeSettings = publicRouteSettings(props.publicRouteThrottle);
  }

  /** 5xx responses of one route, summed per period (a detailed metric: ApiId, Stage, Resource, Method). */
  metricRouteServerErrors(route: RouteDeclaration, period: Duration): Metric {
    return new Metric({
      namespace: "AWS/ApiGateway",
      metricName: "5xx",
      dimensionsMap: {
        ApiId: this.httpApi.apiId,
        Stage: this.stage.stageName,
        Resource: route.path,
        Method: route.method,
      },
      statistic: "Sum",
      period,
    });
  }

  /** The public base URL of the default stage (no trailing slash). */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }

  private functionFor(handler: HandlerName, props: ApiProps): HouseFunction {
    const fn = new HouseFunction(this, pascal(handler), {
      handler,
      logRetention: props.logRetention,
      environment: props.environment,
      timeout: Duration.seconds(handler === "webhook-receive" ? 29 : 10),
      memorySize: handler === "webhook-receive" ? 1024 : 512,
    });
    return fn.useAccess(Access[handler], props);
  }
}

/**
 * Meta's public routes answer anyone on the internet without a JWT: each gets its own limit, so a flood on one
 * cannot spend the stage's budget or the account's Lambda concurrency. Only the webhook carries real traffic.
 */
function publicRouteSettings(limits: ApiProps["publicRouteThrottle"]): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const route of Routes) {
    if (route.auth !== "public") continue;
    const limit = route.handler === "webhook-receive" ? limits.webhook : limits.callbacks;
    settings[`${route.method} ${route.path}`] = {
      ThrottlingRateLimit: limit.rateLimit,
      ThrottlingBurstLimit: limit.burstLimit,
      DetailedMetricsEnabled: true,
    };
  }
  return settings;
}

function pascal(name: string): string {
  return name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
}
