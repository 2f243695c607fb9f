import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import {
  type DynamoDbLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
} from "../../dev/services/dynamodb-local";
import { createTable } from "../../dev/services/provision";
import { integrationItem } from "../../lambdas/adapters/dynamo/integration-item";
import { Defaults, Env } from "../../lambdas/contract/env";
import { SecretFields } from "../../lambdas/contract/secrets";
import type { Integration } from "../../lambdas/domain/integration";
import { DynamoMeter } from "./dynamo-meter";
import { logMeter } from "./log-meter";

/** Fake application secret values for benchmarks (never real credentials). */
export const BENCH_SECRETS = {
  appId: "990602627938098",
  appSecret: "5d2e9f7a1b3c4d6e8f0a1b2c3d4e5f6a",
  verifyToken: "bench_verify_token_12345",
  tokenEncryptionKey: "BenchTokenEncryptionKey0123456789abcdefghijklmnop",
} as const;

/** DynamoDB Local behind the metering proxy, the process env pointed at it, and a table from the contract. */
export interface BenchStack {
  readonly dynamo: DynamoDbLocal;
  readonly meter: DynamoMeter;
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

/**
 * Starts the local storage for a benchmark and sets the environment handlers read at module load; import
 * handlers only after this resolves. `stop()` kills DynamoDB Local; it also runs on SIGINT/SIGTERM so an
 * interrupted benchmark leaves no Java process behind.
 */
export async function startBenchStack(extraEnv: Record<string, string> = {}): Promise<BenchStack> {
  const dynamo = await startDynamoDbLocal();
  logMeter.install();
  const onSignal = () => {
    void dynamo.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const meter = await new DynamoMeter(dynamo.endpoint).start();
  const secretsDir = mkdtempSync(join(tmpdir(), "bench-secrets-"));
  const secretsFile = join(secretsDir, "secrets.json");
  writeFileSync(
    secretsFile,
    JSON.stringify({
      [SecretFields.appId]: BENCH_SECRETS.appId,
      [SecretFields.appSecret]: BENCH_SECRETS.appSecret,
      [SecretFields.verifyToken]: BENCH_SECRETS.verifyToken,
      [SecretFields.tokenEncryptionKey]: BENCH_SECRETS.tokenEncryptionKey,
    }),
    { mode: 0o600 },
  );
  const tableName = "bench-main";
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: meter.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    [Env.tableName]: tableName,
    [Env.localSecretsFile]: secretsFile,
    [Env.publicBaseUrl]: "http://127.0.0.1:3000",
    // As deployed: INFO, metrics on (EMF lines), so the cost passes count the log bytes Lambda would ingest;
    // the log meter keeps those lines off the terminal.
    [Env.logLevel]: process.env[Env.logLevel] ?? "INFO",
    [Env.serviceName]: Defaults.serviceName,
    [Env.metricsNamespace]: Defaults.metricsNamespace,
    ...extraEnv,
  });
  const low = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  await createTable(low, tableName);
  const client = DynamoDBDocumentClient.from(low, { marshallOptions: { removeUndefinedValues: true } });
  return {
    dynamo,
    meter,
    tableName,
    client,
    stop: async () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      client.destroy();
      logMeter.uninstall();
      await meter.stop();
      await dynamo.stop();
      rmSync(secretsDir, { recursive: true, force: true });
    },
  };
}

/** A connected integration for `igAccountId`, stored directly (the webhook routes to it by account). */
export async function seedIntegration(
  stack: BenchStack,
  igAccountId: string,
  overrides: Partial<Integration> = {},
): Promise<Integration> {
  const now = Date.now();
  const integration: Integration = {
    imoId: "bench-org",
    userId: `bench-user-${igAccountId}`,
    igAccountId,
    appScopedUserId: `9${igAccountId.slice(1)}`,
    username: `bench_${igAccountId.slice(-4)}`,
    accountType: "BUSINESS",
    status: "connected",
    connectedAt: now,
    updatedAt: now,
    version: 1,
    ...overrides,
  };
  await stack.client.send(new PutCommand({ TableName: stack.tableName, Item: integrationItem(integration) }));
  return integration;
}
