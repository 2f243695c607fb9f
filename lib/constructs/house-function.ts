import { fileURLToPath } from "node:url";
import { Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { Architecture, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { Defaults, Env } from "../../lambdas/contract/env";
import type { HandlerName, WorkerName } from "../../lambdas/contract/routes";
import { MainTable } from "../../lambdas/contract/table";
import { acknowledgeXrayWrites } from "../nag-acknowledgements";

export interface HouseFunctionProps {
  /** Entry file under lambdas/handlers/. */
  readonly handler: HandlerName | WorkerName;
  readonly logRetention: RetentionDays;
  readonly environment?: Record<string, string>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
}

/** Table access a function may get: reads only, or reads and writes (never Scan, never table admin). */
export type TableAccess = "read" | "write";

const READ_ACTIONS = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"];
const WRITE_ACTIONS = [
  ...READ_ACTIONS,
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
];

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

  /** Sets TABLE_NAME and grants exactly the item actions of `access` on the table, its indexes and its key. */
  useTable(table: ITable, key: IKey, access: TableAccess): this {
    this.addEnvironment(Env.tableName, table.tableName);
    this.addToRolePolicy(
      new PolicyStatement({
        actions: access === "read" ? READ_ACTIONS : WRITE_ACTIONS,
        resources: [
          table.tableArn,
          ...MainTable.indexes.map((index) => `${table.tableArn}/index/${index.name}`),
        ],
      }),
    );
    this.addToRolePolicy(
      new PolicyStatement({
        actions:
          access === "read"
            ? ["kms:Decrypt", "kms:DescribeKey"]
            : ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
        resources: [key.keyArn],
      }),
    );
    return this;
  }

  /** Sets APP_SECRET_ID and grants reading that one secret. */
  useAppSecret(secret: ISecret): this {
    this.addEnvironment(Env.appSecretId, secret.secretArn);
    secret.grantRead(this);
    return this;
  }

  /** Sets OUTBOUND_QUEUE_URL and grants sending to the queue only. */
  useOutboundQueue(queue: IQueue): this {
    this.addEnvironment(Env.outboundQueueUrl, queue.queueUrl);
    queue.grantSendMessages(this);
    return this;
  }

  /** Sets OUTBOUND_DLQ_URL and grants sending to it (the sender moves exhausted messages there itself). */
  useDeadLetterQueue(queue: IQueue): this {
    this.addEnvironment(Env.outboundDlqUrl, queue.queueUrl);
    queue.grantSendMessages(this);
    return this;
  }
}
