import { Defaults, Env } from "../../lambdas/contract/env";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../services/dynamodb-local";
import { LOCAL_TABLE_NAME, type LocalServices } from "./local-services";

/** Where the handlers find this run: its URLs, the local services, the secrets file, the simulator. */
export interface HandlerEnvironmentInput {
  readonly publicBaseUrl: string;
  readonly returnToOrigins: readonly string[];
  readonly services: LocalServices;
  readonly secretsFile: string;
  readonly simulatorUrl: string | undefined;
  /** The login flavours to enable unless LOGIN_FLAVOURS is set (both when the Facebook app is configured). */
  readonly loginFlavours?: string;
}

/**
 * Sets the environment the handlers read at module load, exactly the names the stack sets in AWS, pointed at
 * the local services; must run before any handler module is imported.
 */
export function setHandlerEnvironment(
  input: HandlerEnvironmentInput,
  env: NodeJS.ProcessEnv = process.env,
): void {
  env.AWS_REGION = LOCAL_REGION;
  env.AWS_DEFAULT_REGION = LOCAL_REGION;
  env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
  env.AWS_ENDPOINT_URL_DYNAMODB = input.services.dynamoDbEndpoint;
  env.AWS_ENDPOINT_URL_SQS = input.services.sqsEndpoint;
  // No X-Ray daemon here: the tracer stays off (Powertools also turns it off outside Lambda).
  env.POWERTOOLS_TRACE_ENABLED = "false";
  env[Env.tableName] = LOCAL_TABLE_NAME;
  env[Env.outboundQueueUrl] = input.services.queueUrl;
  env[Env.outboundDlqUrl] = input.services.dlqUrl;
  env[Env.erasureQueueUrl] = input.services.erasure.queueUrl;
  env[Env.historyQueueUrl] = input.services.history.queueUrl;
  env[Env.profileQueueUrl] = input.services.profiles.queueUrl;
  env[Env.localSecretsFile] = input.secretsFile;
  env[Env.publicBaseUrl] = input.publicBaseUrl;
  env[Env.returnToOrigins] = input.returnToOrigins.join(",");
  env[Env.jwtUserIdClaim] ||= Defaults.jwtUserIdClaim;
  env[Env.jwtOrgIdClaim] ||= Defaults.jwtOrgIdClaim;
  env[Env.serviceName] ||= Defaults.serviceName;
  env[Env.metricsNamespace] ||= Defaults.metricsNamespace;
  if (input.loginFlavours !== undefined) env[Env.loginFlavours] ||= input.loginFlavours;
  if (input.simulatorUrl) {
    env[Env.instagramOauthUrl] = input.simulatorUrl;
    env[Env.instagramApiUrl] = input.simulatorUrl;
    env[Env.instagramGraphUrl] = input.simulatorUrl;
    // The simulator serves www.facebook.com's dialog and graph.facebook.com on the same base URL.
    env[Env.facebookOauthUrl] = input.simulatorUrl;
    env[Env.facebookGraphUrl] = input.simulatorUrl;
  }
}

/** The stage's send cap (SEND_CAP_PER_HOUR), which the simulator enforces like Meta does. */
export function sendCapPerHour(env: NodeJS.ProcessEnv = process.env): number {
  const configured = Number(env[Env.sendCapPerHour]);
  return Number.isInteger(configured) && configured > 0 ? configured : Defaults.sendCapPerHour;
}
