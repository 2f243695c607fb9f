import { Duration } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import type { IKey } from "aws-cdk-lib/aws-kms";
import type { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { Access } from "./function-access";
import { HouseFunction } from "./house-function";

export interface SchedulingProps {
  readonly table: ITable;
  readonly tableKey: IKey;
  readonly credentials: ISecret;
  readonly tokenKey: ISecret;
  readonly logRetention: RetentionDays;
  readonly environment: Record<string, string>;
}

/** A daily run of the token refresh: long-lived Instagram tokens live 60 days and may be refreshed after 24 hours. */
export class Scheduling extends Construct {
  readonly tokenRefresh: HouseFunction;

  constructor(scope: Construct, id: string, props: SchedulingProps) {
    super(scope, id);
    this.tokenRefresh = new HouseFunction(this, "TokenRefresh", {
      handler: "token-refresh",
      logRetention: props.logRetention,
      timeout: Duration.minutes(5),
      environment: props.environment,
    }).useAccess(Access["token-refresh"], props);
    new Rule(this, "Daily", {
      description: "Refreshes long-lived Instagram tokens close to expiry",
      schedule: Schedule.cron({ minute: "17", hour: "3" }),
      targets: [new LambdaFunction(this.tokenRefresh, { retryAttempts: 2 })],
    });
  }
}
