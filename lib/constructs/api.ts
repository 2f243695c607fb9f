import { Duration } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { Env } from "../../lambdas/contract/env";
import { type HandlerName, Routes } from "../../lambdas/contract/routes";
import { HouseFunction, type TableAccess } from "./house-function";

export interface ApiProps {
  readonly table: ITable;
  readonly tableKey: IKey;
  readonly secret: ISecret;
  readonly outboundQueue: IQueue;
  readonly jwtIssuer: string;
  readonly jwtAudience: readonly string[];
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: RetentionDays;
  readonly environment: Record<string, string>;
  /** Custom domain base URL, if any; otherwise the API's own endpoint. */
  readonly publicBaseUrl?: string;
}

/** What each handler may touch: the least it needs, declared in one place. */
const access: Record<HandlerName, { table?: TableAccess; secret?: true; sendsToQueue?: true }> = {
  "webhook-verify": { secret: true },
  // Also serves signed_request callbacks posted to the webhook URL (deauthorize, data deletion).
  "webhook-receive": { table: "write", secret: true },
  "oauth-callback": { table: "write", secret: true },
  deauthorize: { table: "write", secret: true },
  "data-deletion": { table: "write", secret: true },
  "data-deletion-status": { table: "read" },
  "oauth-init": { table: "write", secret: true },
  "integration-get": { table: "read" },
  // Best-effort revoke at Meta needs the decrypted token.
  "integration-delete": { table: "write", secret: true },
  "conversations-list": { table: "read" },
  "conversation-messages": { table: "read" },
  "message-send": { table: "write", sendsToQueue: true },
  "message-get": { table: "read" },
};

/**
 * The HTTP API: Meta's public callbacks and the app's JWT-protected routes (declared in
 * lambdas/contract/routes.ts), one Lambda per route, with access logs and stage throttling.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly functions: ReadonlyMap<HandlerName, HouseFunction>;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, "HttpApi", {
      description: "Instagram DM integration: Meta callbacks and the app API",
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, "AccessLogs", { retention: props.logRetention });
    new HttpStage(this, "DefaultStage", {
      httpApi: this.httpApi,
      stageName: "$default",
      autoDeploy: true,
      throttle: props.throttle,
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
      this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${pascal(route.handler)}Integration`, fn),
        ...(route.auth === "jwt" ? { authorizer } : {}),
      });
    }
    this.functions = functions;
  }

  /** The public base URL of the default stage (no trailing slash). */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }

  private functionFor(handler: HandlerName, props: ApiProps): HouseFunction {
    const needs = access[handler];
    const fn = new HouseFunction(this, pascal(handler), {
      handler,
      logRetention: props.logRetention,
      environment: props.environment,
      timeout: Duration.seconds(handler === "webhook-receive" ? 29 : 10),
      memorySize: handler === "webhook-receive" ? 1024 : 512,
    });
    if (needs.table) fn.useTable(props.table, props.tableKey, needs.table);
    if (needs.secret) fn.useAppSecret(props.secret);
    if (needs.sendsToQueue) fn.useOutboundQueue(props.outboundQueue);
    return fn;
  }
}

function pascal(name: string): string {
  return name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
}
