import { join } from "node:path";
import { Defaults, Env } from "../../lambdas/contract/env";
import { ErasureQueue, HistoryQueue, OutboundQueue, ProfileQueue } from "../../lambdas/contract/queues";
import { LOCAL_REGION } from "../services/dynamodb-local";
import { freePort } from "../services/free-port";
import { lambdaContext } from "./api-gateway";
import { createDevAuth, type DevAuth } from "./dev-auth";
import { type LocalFunctions, localFunctions } from "./functions";
import { setHandlerEnvironment } from "./handler-environment";
import { type LocalEvents, startLocalEvents } from "./local-events";
import { serveLocalHttp } from "./local-http";
import { localSecrets, type SecretSource } from "./local-secrets";
import { assertPortsFree, LOCAL_TABLE_NAME, type LocalServices, startLocalServices } from "./local-services";
import { startMeta } from "./meta";
import { type LocalSettings, type MetaHosts, type MetaMode, settingsFrom } from "./settings";
import { type SqsHandler, startSqsEventSource } from "./sqs-event-source";
import { type StopStack, stopStack } from "./stop-stack";

export { LOCAL_TABLE_NAME } from "./local-services";

/** What a running local mode exposes to the CLI and to tests. */
export interface LocalMode {
  /** Base URL of the API and the dev console. */
  readonly url: string;
  readonly metaMode: MetaMode;
  /** The Meta hosts the handlers call when the simulator is off (real or custom). */
  readonly metaHosts: MetaHosts | undefined;
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
  /** Where each secret field's value came from (never the value). */
  readonly secretSources: readonly { readonly field: string; readonly source: SecretSource }[];
  readonly persistPath: string | undefined;
  /** Handlers that could not be loaded at start (their routes answer 500 until fixed). */
  readonly handlerLoadErrors: readonly { name: string; message: string }[];
  /** A dev bearer token as the console gets it from `POST /dev/token`. */
  devToken(userId: string, imoId: string): Promise<string>;
  /** Runs the token-refresh function once. */
  refreshTokens(): Promise<void>;
  /** Events out: the stream poller, the in-process bus, the webhook target (docs/events.md). */
  readonly events: LocalEvents;
  /** Stops the sender, the HTTP server, the simulator, fauxqs and the Java process. Safe to call twice. */
  stop(): Promise<void>;
}

export interface LocalModeLog {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

/** This run's URLs: the server's own, the public one Meta and browsers use, and the allowed app origins. */
async function urlsFor(settings: LocalSettings) {
  const port = settings.port === 0 ? await freePort() : settings.port;
  const url = `http://localhost:${port}`;
  const publicBaseUrl = settings.publicBaseUrl ?? url;
  const returnToOrigins = [
    ...new Set([url, `http://127.0.0.1:${port}`, publicBaseUrl, ...settings.extraReturnToOrigins]),
  ];
  return { port, url, publicBaseUrl, returnToOrigins };
}

function devAuthFor(stateDir: string): Promise<DevAuth> {
  return createDevAuth({
    keyFile: join(stateDir, "auth-key.json"),
    claimNames: {
      userId: process.env[Env.jwtUserIdClaim] ?? Defaults.jwtUserIdClaim,
      imoId: process.env[Env.jwtOrgIdClaim] ?? Defaults.jwtOrgIdClaim,
    },
  });
}

/** What `GET /dev/config` says about Meta: the mode, and the hosts in use or the simulator's URL. */
function metaConfig(metaMode: MetaMode, metaHosts: MetaHosts | undefined, simulatorUrl: string | undefined) {
  return { metaMode, metaHosts: metaHosts ?? null, simulatorUrl: simulatorUrl ?? null };
}

/**
 * Runs the sender on the outbound queue, and the erasure, history and profile fetch workers on theirs, as Lambda's
 * event source mappings would.
 */
function startSender(
  settings: LocalSettings,
  services: LocalServices,
  functions: LocalFunctions,
  log: LocalModeLog,
  stops: StopStack,
): void {
  const sender = startSqsEventSource({
    client: services.sqsClient,
    queueUrl: services.queueUrl,
    queueArn: services.queueArn,
    region: LOCAL_REGION,
    batchSize: OutboundQueue.batchSize,
    pollers: settings.senderPollers,
    waitTimeSeconds: settings.senderWaitSeconds,
    loadHandler: () => functions.load<SqsHandler>("sender"),
    context: () => lambdaContext("sender", OutboundQueue.senderTimeoutSeconds * 1000),
    onError: (message, error) => log.error(message, error),
  });
  stops.push(() => sender.stop());
  // The erasure worker on its queue, as its event source mapping runs it in the stack.
  const erasure = startSqsEventSource({
    client: services.sqsClient,
    queueUrl: services.erasure.queueUrl,
    queueArn: services.erasure.queueArn,
    region: LOCAL_REGION,
    batchSize: ErasureQueue.batchSize,
    pollers: 1,
    waitTimeSeconds: settings.senderWaitSeconds,
    loadHandler: () => functions.load<SqsHandler>("erasure"),
    context: () => lambdaContext("erasure", ErasureQueue.workerTimeoutSeconds * 1000),
    onError: (message, error) => log.error(message, error),
  });
  stops.push(() => erasure.stop());
  // The history import worker: one poller, so an account's paced steps never run side by side.
  const history = startSqsEventSource({
    client: services.sqsClient,
    queueUrl: services.history.queueUrl,
    queueArn: services.history.queueArn,
    region: LOCAL_REGION,
    batchSize: HistoryQueue.batchSize,
    pollers: 1,
    waitTimeSeconds: settings.senderWaitSeconds,
    loadHandler: () => functions.load<SqsHandler>("history-import"),
    context: () => lambdaContext("history-import", HistoryQueue.workerTimeoutSeconds * 1000),
    onError: (message, error) => log.error(message, error),
  });
  stops.push(() => history.stop());
  // The profile fetch worker on its queue, likewise.
  const profiles = startSqsEventSource({
    client: services.sqsClient,
    queueUrl: services.profiles.queueUrl,
    queueArn: services.profiles.queueArn,
    region: LOCAL_REGION,
    batchSize: ProfileQueue.batchSize,
    pollers: 1,
    waitTimeSeconds: settings.senderWaitSeconds,
    loadHandler: () => functions.load<SqsHandler>("profile-fetch"),
    context: () => lambdaContext("profile-fetch", ProfileQueue.workerTimeoutSeconds * 1000),
    onError: (message, error) => log.error(message, error),
  });
  stops.push(() => profiles.stop());
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
  const stops = stopStack((message, error) => log.error(message, error));
  try {
    await assertPortsFree(settings);
    const secrets = localSecrets(settings.stateDir, process.env, stops);
    if (settings.metaMode !== "simulator" && secrets.generated) {
      throw new Error(
        `Real Meta mode needs your Meta app's values in ${secrets.secretsFile} or the environment (it still holds ` +
          'generated dev values; see docs/local-mode.md, "Use a real Meta app").',
      );
    }
    const services = await startLocalServices(settings, stops);
    const urls = await urlsFor(settings);
    const simulatorUrl = await startMeta(settings, secrets, urls, stops);
    setHandlerEnvironment({
      ...urls,
      services,
      secretsFile: secrets.handlerFile,
      simulatorUrl,
      loginFlavours: secrets.facebook === undefined ? "instagram" : "instagram,facebook",
    });
    const functions = localFunctions();
    const handlerLoadErrors = await functions.loadAll();
    const events = await startLocalEvents(
      {
        dynamoDbEndpoint: services.dynamoDbEndpoint,
        tableName: LOCAL_TABLE_NAME,
        secretsFile: secrets.secretsFile,
        env: process.env,
        log: (message, error) => (error === undefined ? log.info(message) : log.error(message, error)),
      },
      stops,
    );
    const auth = await devAuthFor(settings.stateDir);
    const metaHosts = settings.metaMode === "simulator" ? undefined : settings.metaHosts;
    await serveLocalHttp(
      {
        port: urls.port,
        host: settings.host,
        auth,
        functions,
        simulatorUrl,
        events,
        config: () => ({
          ...metaConfig(settings.metaMode, metaHosts, simulatorUrl),
          publicBaseUrl: urls.publicBaseUrl,
          issuer: auth.issuer,
          audience: auth.audience,
        }),
        onError: (message, error) => log.error(message, error),
      },
      stops,
    );
    startSender(settings, services, functions, log, stops);

    let stopped: Promise<void> | undefined;
    return {
      url: urls.url,
      metaMode: settings.metaMode,
      metaHosts,
      publicBaseUrl: urls.publicBaseUrl,
      simulatorUrl,
      dynamoDbEndpoint: services.dynamoDbEndpoint,
      dynamoDbPid: services.dynamoDbPid,
      sqsEndpoint: services.sqsEndpoint,
      tableName: LOCAL_TABLE_NAME,
      outboundQueueUrl: services.queueUrl,
      secretsFile: secrets.secretsFile,
      secretSources: secrets.sources,
      persistPath: settings.persist ? settings.persistPath : undefined,
      handlerLoadErrors,
      devToken: async (userId, imoId) => (await auth.issue({ userId, imoId })).token,
      refreshTokens: functions.refreshTokens,
      events,
      stop: () => {
        stopped ??= stops.stopAll();
        return stopped;
      },
    };
  } catch (error) {
    await stops.stopAll();
    throw error;
  }
}
