import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { dynamoIntegrationOwners } from "../../lambdas/adapters/dynamo/integration-owner";
import { dynamoWindowIndex } from "../../lambdas/adapters/dynamo/window-index";
import type { EventPublisher } from "../../lambdas/adapters/events/event-bus";
import { webhookPoster } from "../../lambdas/adapters/events/webhook-sender";
import { Env } from "../../lambdas/contract/env";
import { type AppEvent, WINDOW_CHECK_MINUTES } from "../../lambdas/contract/events";
import { WebhookDeliveryQueue } from "../../lambdas/contract/queues";
import { outcomeOf, retryDelaySeconds } from "../../lambdas/domain/events/webhook-policy";
import { detectClosingWindows } from "../../lambdas/domain/events/window-closing";
import { messageView } from "../../lambdas/http/inbox-bodies";
import { publishChanges } from "../../lambdas/wiring/events";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../services/dynamodb-local";
import type { StopStack } from "./stop-stack";
import { StreamEventSource } from "./stream-event-source";

/** The field of the local secrets file that holds the outgoing webhooks' signing secret (`whsec_…`). */
export const LOCAL_WEBHOOK_SECRET_FIELD = "APP_WEBHOOK_SECRET";
/** How many recent events the bus keeps for a console that connects later (`GET /dev/events`). */
const RECENT_EVENTS = 50;

/** Events out in local mode: the stream poller, the in-process bus and its webhook target. */
export interface LocalEvents {
  /** Every event from now on; returns the unsubscribe. */
  subscribe(listener: (event: AppEvent) => void): () => void;
  /** The last events, oldest first. */
  recent(): readonly AppEvent[];
  /** Where signed webhooks go, when `APP_WEBHOOK_URL` is set, and the file holding their secret. */
  readonly webhook: { readonly url: string; readonly secretFrom: string } | undefined;
  /** Runs the window-closing detector once, as its schedule does every few minutes. */
  detectClosingWindows(now?: number): Promise<void>;
}

export interface LocalEventsInput {
  readonly dynamoDbEndpoint: string;
  readonly tableName: string;
  /** The local secrets file: the webhook signing secret is kept there (generated when absent). */
  readonly secretsFile: string;
  readonly env: NodeJS.ProcessEnv;
  readonly pollIntervalMs?: number;
  readonly log: (message: string, error?: unknown) => void;
}

/**
 * The signing secret: `APP_WEBHOOK_SECRET` from the environment, else from the secrets file, else generated
 * (`whsec_` + 32 random bytes in base64) and stored there (mode 0600). Returns the value and where it is, so
 * the banner can name the file and never print the value.
 */
export function localWebhookSecret(
  secretsFile: string,
  env: NodeJS.ProcessEnv,
): { value: string; from: string } {
  const fromEnv = env[LOCAL_WEBHOOK_SECRET_FIELD];
  if (fromEnv) return { value: fromEnv, from: "the environment" };
  const document = JSON.parse(readFileSync(secretsFile, "utf8")) as Record<string, unknown>;
  const stored = document[LOCAL_WEBHOOK_SECRET_FIELD];
  if (typeof stored === "string" && stored !== "") return { value: stored, from: secretsFile };
  const value = `whsec_${randomBytes(32).toString("base64")}`;
  writeFileSync(
    secretsFile,
    `${JSON.stringify({ ...document, [LOCAL_WEBHOOK_SECRET_FIELD]: value }, null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
  chmodSync(secretsFile, 0o600);
  return { value, from: secretsFile };
}

/**
 * The in-process stand-in for the EventBridge bus, with the stack's rules: every event (source `instagram-dm`)
 * goes to the archive-like recent list, to the console's listeners and, with `APP_WEBHOOK_URL`, to the webhook
 * target, which POSTs it signed and retries as the delivery queue does (same outcomes, same backoff, same
 * attempt budget; then it is logged as dead-lettered).
 */
class LocalBus implements EventPublisher {
  private readonly listeners = new Set<(event: AppEvent) => void>();
  private readonly last: AppEvent[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly deliver:
      | ((event: AppEvent) => Promise<number | "timeout" | "network_error">)
      | undefined,
    private readonly log: (message: string, error?: unknown) => void,
  ) {}

  async publish(events: readonly AppEvent[]): Promise<void> {
    for (const event of events) {
      // An erasure finished: the recent list may hold the erased person's messages; none are replayed again.
      if (event.type === "data_deletion.completed") this.last.length = 0;
      this.last.push(event);
      if (this.last.length > RECENT_EVENTS) this.last.shift();
      for (const listener of this.listeners) listener(event);
      if (this.deliver) void this.attempt(event, 1);
    }
  }

  subscribe(listener: (event: AppEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recent(): readonly AppEvent[] {
    return [...this.last];
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.listeners.clear();
  }

  private async attempt(event: AppEvent, attempt: number): Promise<void> {
    if (!this.deliver) return;
    const result = await this.deliver(event);
    const outcome = outcomeOf(result);
    if (outcome === "delivered") return;
    if (outcome === "rejected") {
      this.log(`webhook ${event.id} (${event.type}) refused with ${result}; not retried`);
      return;
    }
    if (attempt >= WebhookDeliveryQueue.maxReceiveCount) {
      this.log(`webhook ${event.id} (${event.type}) failed ${attempt} times (${result}); dead-lettered`);
      return;
    }
    const delay = retryDelaySeconds(attempt);
    this.log(`webhook ${event.id} (${event.type}) failed (${result}); retrying in ${delay} s`);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(event, attempt + 1);
    }, delay * 1000);
    this.timers.add(timer);
  }
}

/**
 * Starts events out for local mode: DynamoDB Local's stream → the `events` function's work (the same
 * publishChanges, window-index upkeep and user lookup as in AWS) → the in-process bus; the window-closing
 * detector on its schedule. Stopped with the rest of local mode.
 */
export async function startLocalEvents(input: LocalEventsInput, stops: StopStack): Promise<LocalEvents> {
  const config = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: input.dynamoDbEndpoint };
  const dynamodb = new DynamoDBClient(config);
  const streams = new DynamoDBStreamsClient(config);
  const db = documentClient(dynamodb);
  const windows = dynamoWindowIndex({ db, tableName: input.tableName });
  const owners = dynamoIntegrationOwners(db, input.tableName);

  const url = input.env[Env.appWebhookUrl];
  const secret = url ? localWebhookSecret(input.secretsFile, input.env) : undefined;
  const bus = new LocalBus(url && secret ? webhookPoster(url, secret.value) : undefined, input.log);

  const source = new StreamEventSource({
    dynamodb,
    streams,
    tableName: input.tableName,
    batchSize: 100,
    handler: (event) =>
      publishChanges(event.Records, {
        publisher: bus,
        view: messageView,
        log: (message) => input.log(message),
        owners,
        windows,
      }),
    onError: input.log,
  });

  await source.skipBacklog();
  let running = true;
  const pollEvery = input.pollIntervalMs ?? 250;
  const polling = (async () => {
    while (running) {
      try {
        if ((await source.pollOnce()) === 0) await new Promise((done) => setTimeout(done, pollEvery));
      } catch (error) {
        input.log("events: polling the table's stream failed; trying again", error);
        await new Promise((done) => setTimeout(done, 1_000));
      }
    }
  })();
  const detect = async (now = Date.now()) => {
    await detectClosingWindows(windows, now);
  };
  const schedule = setInterval(() => {
    detect().catch((error: unknown) => input.log("window-closing detector failed", error));
  }, WINDOW_CHECK_MINUTES * 60_000);

  stops.push(async () => {
    running = false;
    clearInterval(schedule);
    bus.stop();
    await polling;
    streams.destroy();
    dynamodb.destroy();
  });

  return {
    subscribe: (listener) => bus.subscribe(listener),
    recent: () => bus.recent(),
    webhook: url && secret ? { url, secretFrom: secret.from } : undefined,
    detectClosingWindows: detect,
  };
}
