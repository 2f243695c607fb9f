import type { Server } from "node:http";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Context, ScheduledEvent } from "aws-lambda";
import { Defaults, Env } from "../../lambdas/contract/env";
import { OutboundQueue } from "../../lambdas/contract/queues";
import { type HandlerName, Routes, type WorkerName } from "../../lambdas/contract/routes";
import { type MetaSimulator, startMetaSimulator } from "../meta-simulator";
import {
  type DynamoDbLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
} from "../services/dynamodb-local";
import { freePort, portInUse } from "../services/free-port";
import { createOutboundQueues, createTable } from "../services/provision";
import { type SqsLocal, startSqsLocal } from "../services/sqs-local";
import { compileRoutes, lambdaContext } from "./api-gateway";
import { createDevAuth } from "./dev-auth";
import { devRoutes } from "./dev-routes";
import { createLocalHttpServer, type HttpHandler, listen } from "./http-server";
import { ensureSecretsFile } from "./secrets-file";
import { type LocalSettings, type MetaMode, settingsFrom } from "./settings";
import { type SqsHandler, startSqsEventSource } from "./sqs-event-source";

const ROOT = resolve(import.meta.dirname, "../..");
export const LOCAL_TABLE_NAME = "instagram-dm-local";
const LOCAL_QUEUE_NAME = "instagram-dm-outbound";

/** What a running local mode exposes to the CLI and to tests. */
export interface LocalMode {
  /** Base URL of the API and the dev console. */
  readonly url: string;
  readonly metaMode: MetaMode;
  /** Base URL Meta and browsers are told to use (OAuth redirect URI, webhook); the tunnel URL with real Meta. */
  readonly publicBaseUrl: string;
  /** The Meta simulator's base URL when it runs. */
  readonly simulatorUrl: string | undefined;
  readonly dynamoDbEndpoint: string;
  readonly dynamoDbPid: number;
  readonly sqsEndpoint: string;
  readonly tableName: string;
  readonly outboundQueueUrl: string;
  readonly secretsFile: string;
  readonly persistPath: string | undefined;
  /** Handlers that could not be loaded at start (their routes answer 500 until fixed). */
  readonly handlerLoadErrors: readonly { name: string; message: string }[];
  /** A dev bearer token as the console gets it from `POST /dev/token`. */
  devToken(userId: string, imoId: string): Promise<string>;
  /** Runs the token-refresh function once. */
  refreshTokens(): Promise<void>;
  /** Stops the sender, the HTTP server, the simulator, fauxqs and the Java process. Safe to call twice. */
  stop(): Promise<void>;
}

export interface LocalModeLog {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

type HandlerModule = { handler: unknown };

function importHandler(name: HandlerName | WorkerName): Promise<HandlerModule> {
  return import(
    pathToFileURL(join(ROOT, "lambdas", "handlers", `${name}.ts`)).href
  ) as Promise<HandlerModule>;
}

async function assertPortFree(port: number | undefined, variable: string): Promise<void> {
  if (port !== undefined && port !== 0 && (await portInUse(port))) {
    throw new Error(`Port ${port} is in use; stop what runs there or choose another with ${variable}.`);
  }
}

/**
 * Sets the environment the handlers read at module load, exactly the names the stack sets in AWS, pointed at
 * the local services; must run before any handler module is imported.
 */
function setHandlerEnvironment(input: {
  url: string;
  publicBaseUrl: string;
  returnToOrigins: readonly string[];
  dynamoDbEndpoint: string;
  sqsEndpoint: string;
  queueUrl: string;
  dlqUrl: string;
  secretsFile: string;
  simulatorUrl: string | undefined;
}): void {
  const env = process.env;
  env.AWS_REGION = LOCAL_REGION;
  env.AWS_DEFAULT_REGION = LOCAL_REGION;
  env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
  env.AWS_ENDPOINT_URL_DYNAMODB = input.dynamoDbEndpoint;
  env.AWS_ENDPOINT_URL_SQS = input.sqsEndpoint;
  // No X-Ray daemon here: the tracer stays off (Powertools also turns it off outside Lambda).
  env.POWERTOOLS_TRACE_ENABLED = "false";
  env[Env.tableName] = LOCAL_TABLE_NAME;
  env[Env.outboundQueueUrl] = input.queueUrl;
  env[Env.outboundDlqUrl] = input.dlqUrl;
  env[Env.localSecretsFile] = input.secretsFile;
  env[Env.publicBaseUrl] = input.publicBaseUrl;
  env[Env.returnToOrigins] = input.returnToOrigins.join(",");
  env[Env.jwtUserIdClaim] ||= Defaults.jwtUserIdClaim;
  env[Env.jwtOrgIdClaim] ||= Defaults.jwtOrgIdClaim;
  env[Env.serviceName] ||= Defaults.serviceName;
  env[Env.metricsNamespace] ||= Defaults.metricsNamespace;
  if (input.simulatorUrl) {
    env[Env.instagramOauthUrl] = input.simulatorUrl;
    env[Env.instagramApiUrl] = input.simulatorUrl;
    env[Env.instagramGraphUrl] = input.simulatorUrl;
  }
}

/** The stage's send cap (SEND_CAP_PER_HOUR), which the simulator enforces like Meta does. */
function sendCapPerHour(): number {
  const configured = Number(process.env[Env.sendCapPerHour]);
  return Number.isInteger(configured) && configured > 0 ? configured : Defaults.sendCapPerHour;
}

function scheduledEvent(): ScheduledEvent {
  const now = new Date();
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "000000000000",
    time: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: LOCAL_REGION,
    resources: ["arn:aws:events:us-east-1:000000000000:rule/local-token-refresh"],
    detail: {},
  };
}

/**
 * Starts the whole system on this machine: DynamoDB Local and fauxqs provisioned from the shared declarations,
 * the Meta simulator (unless real Meta is configured), the HTTP server with every declared route, and the
 * sender on the outbound queue. Whatever started is stopped again if a later step fails.
 */
export async function startLocalMode(
  settings: LocalSettings = settingsFrom([], process.env, process.cwd()),
  log: LocalModeLog = { info: console.log, error: console.error },
): Promise<LocalMode> {
  const stack: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    while (stack.length > 0) {
      const stop = stack.pop();
      if (stop) await stop().catch((error: unknown) => log.error("stopping a local service failed", error));
    }
  };
  try {
    await assertPortFree(settings.port, "PORT");
    await assertPortFree(settings.sqsPort, "SQS_PORT");
    await assertPortFree(settings.metaSimulatorPort, "META_SIM_PORT");
    const secretsFile = join(settings.stateDir, "secrets.json");
    const secrets = ensureSecretsFile(secretsFile);
    if (settings.metaMode === "real" && secrets.generated) {
      throw new Error(
        `Real Meta mode needs your Meta app's values in ${secretsFile} (it still holds generated dev values; ` +
          'see docs/local-mode.md, "Use a real Meta app").',
      );
    }

    const persistPath = settings.persist ? settings.persistPath : undefined;
    const [dynamoResult, sqsResult] = await Promise.allSettled([
      startDynamoDbLocal({
        ...(settings.dynamoDbPort === undefined ? {} : { port: settings.dynamoDbPort }),
        ...(persistPath ? { persistPath } : {}),
      }),
      startSqsLocal(settings.sqsPort === undefined ? {} : { port: settings.sqsPort }),
    ]);
    if (dynamoResult.status === "fulfilled") stack.push(() => dynamoResult.value.stop());
    if (sqsResult.status === "fulfilled") stack.push(() => sqsResult.value.stop());
    if (dynamoResult.status === "rejected") throw dynamoResult.reason;
    if (sqsResult.status === "rejected") throw sqsResult.reason;
    const dynamo: DynamoDbLocal = dynamoResult.value;
    const sqs: SqsLocal = sqsResult.value;

    const awsClientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    const dynamoClient = new DynamoDBClient({ ...awsClientConfig, endpoint: dynamo.endpoint });
    await createTable(dynamoClient, LOCAL_TABLE_NAME);
    dynamoClient.destroy();
    const sqsClient = new SQSClient({ ...awsClientConfig, endpoint: sqs.endpoint });
    stack.push(async () => sqsClient.destroy());
    const queues = await createOutboundQueues(sqsClient, LOCAL_QUEUE_NAME);
    const queueAttributes = await sqsClient.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.queueUrl, AttributeNames: ["QueueArn"] }),
    );
    const queueArn = queueAttributes.Attributes?.QueueArn ?? `arn:aws:sqs:${LOCAL_REGION}:000000000000:queue`;

    const port = settings.port === 0 ? await freePort() : settings.port;
    const url = `http://localhost:${port}`;
    const publicBaseUrl = settings.publicBaseUrl ?? url;
    const returnToOrigins = [
      ...new Set([url, `http://127.0.0.1:${port}`, publicBaseUrl, ...settings.extraReturnToOrigins]),
    ];

    let simulator: MetaSimulator | undefined;
    if (settings.metaMode === "simulator") {
      // It signs deliveries with the app secret the handlers load from the same secrets file.
      simulator = await startMetaSimulator({
        ...(settings.metaSimulatorPort === undefined ? {} : { port: settings.metaSimulatorPort }),
        appId: secrets.appId,
        appSecret: secrets.appSecret,
        webhookUrl: `http://127.0.0.1:${port}/instagram/webhook`,
        redirectUris: [`${publicBaseUrl}/instagram/oauth/callback`],
        sendCapPerHour: sendCapPerHour(),
      });
      const started = simulator;
      stack.push(() => started.stop());
    }
    const simulatorUrl = simulator?.url.replace(/\/+$/, "");

    setHandlerEnvironment({
      url,
      publicBaseUrl,
      returnToOrigins,
      dynamoDbEndpoint: dynamo.endpoint,
      sqsEndpoint: sqs.endpoint,
      queueUrl: queues.queueUrl,
      dlqUrl: queues.dlqUrl,
      secretsFile,
      simulatorUrl,
    });

    // Each function's module is loaded once, like a warm Lambda container; a failed load is retried next time.
    const modules = new Map<string, Promise<HandlerModule>>();
    const loadModule = (name: HandlerName | WorkerName): Promise<HandlerModule> => {
      let module = modules.get(name);
      if (!module) {
        module = importHandler(name);
        modules.set(name, module);
        module.catch(() => modules.delete(name));
      }
      return module;
    };
    const loadFunction = async <T>(name: HandlerName | WorkerName): Promise<T> => {
      const { handler } = await loadModule(name);
      if (typeof handler !== "function")
        throw new Error(`lambdas/handlers/${name}.ts exports no handler function`);
      return handler as T;
    };
    const handlerNames = [...new Set(Routes.map((route) => route.handler))];
    const loadResults = await Promise.allSettled(
      [...handlerNames, "sender" as const, "token-refresh" as const].map((name) =>
        loadFunction<unknown>(name),
      ),
    );
    const handlerLoadErrors = loadResults.flatMap((result, index) =>
      result.status === "rejected"
        ? [
            {
              name: [...handlerNames, "sender", "token-refresh"][index] ?? "?",
              message: result.reason instanceof Error ? result.reason.message : String(result.reason),
            },
          ]
        : [],
    );

    const auth = await createDevAuth({
      keyFile: join(settings.stateDir, "auth-key.json"),
      claimNames: {
        userId: process.env[Env.jwtUserIdClaim] ?? Defaults.jwtUserIdClaim,
        imoId: process.env[Env.jwtOrgIdClaim] ?? Defaults.jwtOrgIdClaim,
      },
    });
    const refreshTokens = async () => {
      const refresh =
        await loadFunction<(event: ScheduledEvent, context: Context) => Promise<unknown>>("token-refresh");
      await refresh(scheduledEvent(), lambdaContext("token-refresh", 300_000));
    };
    const server: Server = createLocalHttpServer({
      routes: compileRoutes(Routes),
      localRoutes: devRoutes({
        auth,
        consoleDir: join(ROOT, "dev", "console"),
        openApiPath: join(ROOT, "docs", "openapi.json"),
        simulatorUrl,
        refreshTokens,
        config: () => ({
          metaMode: settings.metaMode,
          simulatorUrl: simulatorUrl ?? null,
          publicBaseUrl,
          issuer: auth.issuer,
          audience: auth.audience,
        }),
      }),
      auth,
      loadHandler: (name) => loadFunction<HttpHandler>(name),
      context: (name) => lambdaContext(name, 30_000),
      onError: (message, error) => log.error(message, error),
    });
    await listen(server, port, settings.host);
    stack.push(
      () =>
        new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
    );

    const sender = startSqsEventSource({
      client: sqsClient,
      queueUrl: queues.queueUrl,
      queueArn,
      region: LOCAL_REGION,
      batchSize: OutboundQueue.batchSize,
      pollers: settings.senderPollers,
      waitTimeSeconds: settings.senderWaitSeconds,
      loadHandler: () => loadFunction<SqsHandler>("sender"),
      context: () => lambdaContext("sender", OutboundQueue.senderTimeoutSeconds * 1000),
      onError: (message, error) => log.error(message, error),
    });
    stack.push(() => sender.stop());

    let stopped: Promise<void> | undefined;
    return {
      url,
      metaMode: settings.metaMode,
      publicBaseUrl,
      simulatorUrl,
      dynamoDbEndpoint: dynamo.endpoint,
      dynamoDbPid: dynamo.pid,
      sqsEndpoint: sqs.endpoint,
      tableName: LOCAL_TABLE_NAME,
      outboundQueueUrl: queues.queueUrl,
      secretsFile,
      persistPath,
      handlerLoadErrors,
      devToken: async (userId, imoId) => (await auth.issue({ userId, imoId })).token,
      refreshTokens,
      stop: () => {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
