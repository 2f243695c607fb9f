import { fileURLToPath } from "node:url";
import { Duration, Stack } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { Defaults, Env } from "../../lambdas/contract/env";
import type { HandlerName, WorkerName } from "../../lambdas/contract/routes";
import { MainTable } from "../../lambdas/contract/table";
import { acknowledgeXrayWrites } from "../nag-acknowledgements";
import type { FunctionAccess, TableAction } from "./function-access";

const READ_ONLY: ReadonlySet<TableAction> = new Set(["GetItem", "Query"]);

/** The shared resources a function's declared access refers to. */
export interface AccessResources {
  readonly table: ITable;
  readonly tableKey: IKey;
  /** The Meta credentials secret. */
  readonly credentials: ISecret;
  /** The token-key secret. */
  readonly tokenKey: ISecret;
  readonly outboundQueue?: IQueue;
  readonly erasureQueue?: IQueue;
  readonly historyQueue?: IQueue;
  readonly profileQueue?: IQueue;
}

export interface HouseFunctionProps {
  /** Entry file under lambdas/handlers/. */
  readonly handler: HandlerName | WorkerName;
  readonly logRetention: RetentionDays;
  readonly environment?: Record<string, string>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
}

/**
 * The one Lambda shape of this project: Node.js 24 on ARM64, ESM bundle by the local esbuild with source
 * maps, its own log group with retention, and grant methods that set the matching env var together
 * with the least IAM the function needs.
 */
export class HouseFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: HouseFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: props.logRetention });
    // An explicit role instead of AWSLambdaBasicExecutionRole: it may write to this function's log group only.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
    role.addToPolicy(
      new PolicyStatement({
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [logGroup.logGroupArn],
      }),
    );
    super(scope, id, {
      role,
      entry: fileURLToPath(new URL(`../../lambdas/handlers/${props.handler}.ts`, import.meta.url)),
      handler: "handler",
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      // JSON log format lets the platform's own lines be filtered: at WARN, Lambda no longer writes START, END,
      // REPORT and XRAY lines (≈ 380 bytes per invocation, more than our own line) but still reports timeouts
      // and crashes. Duration and errors remain CloudWatch metrics. The application level is INFO, as
      // Powertools' default; to debug, raise it here (Lambda's advanced logging controls take precedence over
      // POWERTOOLS_LOG_LEVEL).
      loggingFormat: LoggingFormat.JSON,
      systemLogLevelV2: SystemLogLevel.WARN,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      // X-Ray for every function (Powertools Tracer captures the handler and the AWS SDK clients); CDK adds the
      // X-Ray write permissions to the role.
      tracing: Tracing.ACTIVE,
      environment: {
        [Env.serviceName]: Defaults.serviceName,
        [Env.metricsNamespace]: Defaults.metricsNamespace,
        NODE_OPTIONS: "--enable-source-maps",
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        target: "node24",
        // The Lambda runtime ships AWS SDK v3; bundling it again only slows cold starts.
        externalModules: ["@aws-sdk/*"],
        // ESM bundles of CommonJS dependencies need require().
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        forceDockerBundling: false,
      },
    });
    acknowledgeXrayWrites(role);
  }

  /** Grants what `access` (one entry of lib/constructs/function-access.ts) declares, on these resources. */
  useAccess(access: FunctionAccess, resources: AccessResources): this {
    if (access.table) this.useTable(resources.table, resources.tableKey, access.table);
    if (access.credentials) this.useSecret(Env.appSecretId, resources.credentials);
    if (access.tokenKey) this.useSecret(Env.tokenKeySecretId, resources.tokenKey);
    if (access.sendsToQueue) {
      if (!resources.outboundQueue) throw new Error(`${this.node.id} sends to the queue but none was given`);
      this.useOutboundQueue(resources.outboundQueue);
    }
    if (access.sendsToErasureQueue) {
      if (!resources.erasureQueue)
        throw new Error(`${this.node.id} queues erasure jobs but no queue was given`);
      this.addEnvironment(Env.erasureQueueUrl, resources.erasureQueue.queueUrl);
      this.sendsTo(resources.erasureQueue);
    }
    if (access.sendsToHistoryQueue) {
      if (!resources.historyQueue)
        throw new Error(`${this.node.id} queues history steps but no queue was given`);
      this.addEnvironment(Env.historyQueueUrl, resources.historyQueue.queueUrl);
      this.sendsTo(resources.historyQueue);
    }
    if (access.sendsToProfileQueue) {
      if (!resources.profileQueue)
        throw new Error(`${this.node.id} queues profile fetches but no queue was given`);
      this.addEnvironment(Env.profileQueueUrl, resources.profileQueue.queueUrl);
      this.sendsTo(resources.profileQueue);
    }
    return this;
  }

  /**
   * Sets TABLE_NAME and grants exactly `actions` on the table (and its indexes when it queries), and the table
   * key only through DynamoDB for this table: decrypt to read, encrypt too when it writes.
   */
  useTable(table: ITable, key: IKey, actions: readonly TableAction[]): this {
    this.addEnvironment(Env.tableName, table.tableName);
    const indexes = actions.includes("Query")
      ? MainTable.indexes.map((index) => `${table.tableArn}/index/${index.name}`)
      : [];
    this.addToRolePolicy(
      new PolicyStatement({
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [table.tableArn, ...indexes],
      }),
    );
    const viaDynamoDb = { "kms:ViaService": `dynamodb.${Stack.of(this).region}.amazonaws.com` };
    const writes = actions.some((action) => !READ_ONLY.has(action));
    this.addToRolePolicy(
      new PolicyStatement({
        actions: writes ? ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"],
        resources: [key.keyArn],
        conditions: {
          StringEquals: { ...viaDynamoDb, "kms:EncryptionContext:aws:dynamodb:tableName": table.tableName },
        },
      }),
    );
    // DescribeKey carries no encryption context, so it gets the service condition alone.
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ["kms:DescribeKey"],
        resources: [key.keyArn],
        conditions: { StringEquals: viaDynamoDb },
      }),
    );
    return this;
  }

  /** Sets `envName` to the secret's ARN and grants reading that one secret (GetSecretValue is all a loader calls). */
  useSecret(envName: typeof Env.appSecretId | typeof Env.tokenKeySecretId, secret: ISecret): this {
    this.addEnvironment(envName, secret.secretArn);
    this.addToRolePolicy(
      new PolicyStatement({ actions: ["secretsmanager:GetSecretValue"], resources: [secret.secretArn] }),
    );
    return this;
  }

  /** Sets OUTBOUND_QUEUE_URL and grants sending to the queue only. */
  useOutboundQueue(queue: IQueue): this {
    this.addEnvironment(Env.outboundQueueUrl, queue.queueUrl);
    this.sendsTo(queue);
    return this;
  }

  /** Sets OUTBOUND_DLQ_URL and grants sending to it (the sender moves exhausted messages there itself). */
  useDeadLetterQueue(queue: IQueue): this {
    this.addEnvironment(Env.outboundDlqUrl, queue.queueUrl);
    this.sendsTo(queue);
    return this;
  }

  /** SendMessage only: the queue URL comes from the environment, and SQS-managed encryption needs no KMS grant. */
  private sendsTo(queue: IQueue): void {
    this.addToRolePolicy(new PolicyStatement({ actions: ["sqs:SendMessage"], resources: [queue.queueArn] }));
  }
}
