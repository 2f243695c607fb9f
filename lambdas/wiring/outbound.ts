import { randomUUID } from "node:crypto";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoAcceptReads } from "../adapters/dynamo/accept-reads";
import type { CapacityMeter } from "../adapters/dynamo/capacity";
import {
  dynamoConversationWindows,
  dynamoIntegrationAccess,
  dynamoReplyTargets,
} from "../adapters/dynamo/outbound-lookups";
import { dynamoOutboundStore } from "../adapters/dynamo/outbound-messages";
import { partAwareStore } from "../adapters/dynamo/outbound-parts";
import { dynamoSavedAttachments } from "../adapters/dynamo/saved-attachments";
import { dynamoSendLimiter } from "../adapters/dynamo/send-limiter";
import { dynamoSendReads } from "../adapters/dynamo/send-reads";
import { graphSendApi } from "../adapters/meta/send-api";
import { type ReceivedRecord, runSenderBatch, sqsOutboundQueue } from "../adapters/sqs/outbound-queue";
import { OutboundQueue, SENDING_LEASE_MS } from "../contract/queues";
import type { AcceptDeps } from "../domain/outbound/accept";
import { type BatchOptions, cachingAppWideState, processBatch } from "../domain/outbound/batch";
import { limiterPolicy } from "../domain/outbound/limiter";
import { partsQueue } from "../domain/outbound/parts";
import { DEFAULT_RETRY } from "../domain/outbound/retry";
import type { SenderDeps } from "../domain/outbound/send";
import { openToken, type TokenKeys } from "../domain/token-seal";
import type { MetaHosts } from "../platform/runtime-config";

/** What the outbound feature reads from its stage settings (handlers read them from the environment once). */
export interface OutboundConfig {
  readonly tableName: string;
  readonly queueUrl: string;
  /** The sender's dead-letter queue (message-send does not need it). */
  readonly dlqUrl?: string;
  readonly capPerHour: number;
  readonly metaHosts: MetaHosts;
  readonly humanAgentEnabled?: boolean;
  /** Client timeout of the Send API call (default: the adapter's). */
  readonly metaTimeoutMs?: number;
}

/** The clients and clocks the outbound feature runs on; tests pass a virtual clock and a capacity meter. */
export interface OutboundClients {
  readonly db: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly meter?: CapacityMeter;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly newId?: () => string;
}

export type BatchLog = (message: string, extra: Record<string, unknown>) => void;

/**
 * The outbound feature's dependencies, built in one place for message-send, message-get, the sender, local
 * mode, the integration tests, the resilience rig and the bench: the accept side, and the sender's
 * dependencies once the token keys are known (they come from the cached secrets).
 */
export function outboundWiring(config: OutboundConfig, clients: OutboundClients) {
  const now = clients.now ?? (() => Date.now());
  const access = {
    db: clients.db,
    tableName: config.tableName,
    ...(clients.meter === undefined ? {} : { meter: clients.meter }),
  };
  const limits = limiterPolicy(config.capPerHour);
  // A message in parts: its part items move its parent in the same write (docs/outbound.md, "Parts").
  const store = partAwareStore(dynamoOutboundStore(access, now), access, now);
  const integrations = dynamoIntegrationAccess(access);
  const conversations = dynamoConversationWindows(access);
  const accept: AcceptDeps = {
    store,
    integrations,
    conversations,
    replyTargets: dynamoReplyTargets(access),
    queue: partsQueue(sqsOutboundQueue(clients.sqs, config.queueUrl)),
    newId: clients.newId ?? randomUUID,
    now,
    humanAgentEnabled: config.humanAgentEnabled ?? false,
    savedAttachments: dynamoSavedAttachments(access),
    reads: dynamoAcceptReads(access, now),
  };

  // One per sender instance (container), so the app-wide state's cache outlives an invocation.
  const limiter = cachingAppWideState(dynamoSendLimiter(access, limits), now);

  /** The sender's dependencies; every opened token goes to `onToken` (the log redaction) first. */
  function sender(keys: TokenKeys, onToken: (token: string) => void = () => undefined): SenderDeps {
    return {
      store,
      integrations,
      conversations,
      limiter,
      reads: dynamoSendReads(access),
      // Only on the real clock: a virtual one does not move while we sleep.
      ...(clients.now === undefined
        ? { sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) }
        : {}),
      meta: graphSendApi(config.metaHosts, config.metaTimeoutMs),
      // A missing or unopenable token is handled like Meta refusing it: the integration needs re-authorisation.
      accessToken: (integration) => {
        if (integration.token === undefined) throw new Error("Integration has no token");
        const token = openToken(integration.token, keys, integration);
        onToken(token);
        return token;
      },
      now,
      random: clients.random ?? Math.random,
      limits,
      retry: DEFAULT_RETRY,
      maxReceiveCount: OutboundQueue.maxReceiveCount,
      sendingLeaseMs: SENDING_LEASE_MS,
    };
  }

  /** One SQS batch through the sender, applied to the queue (defer, dead-letter), as the Lambda does. */
  function runBatch(
    records: readonly ReceivedRecord[],
    deps: SenderDeps,
    log?: BatchLog,
    options: BatchOptions = {},
  ) {
    if (config.dlqUrl === undefined) throw new Error("The sender needs the dead-letter queue URL");
    const queues = { client: clients.sqs, queueUrl: config.queueUrl, dlqUrl: config.dlqUrl };
    return runSenderBatch(records, queues, (batch) => processBatch(batch, deps, options), now, log);
  }

  return { store, integrations, conversations, limits, accept, sender, runBatch };
}

export type OutboundWiring = ReturnType<typeof outboundWiring>;
