import { randomUUID } from "node:crypto";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoHistoryJobStore } from "../adapters/dynamo/history-jobs";
import { dynamoInboundStore } from "../adapters/dynamo/inbound-store";
import { dynamoIntegrationStore } from "../adapters/dynamo/integrations";
import { graphConversationsApi } from "../adapters/meta/conversations-api";
import { HistoryStepBody, sqsHistoryQueue } from "../adapters/sqs/history-queue";
import { missingQueue } from "../adapters/sqs/missing-queue";
import { Env } from "../contract/env";
import { runHistoryStep, type StepOutcome } from "../domain/history/import";
import type { ConversationsApi, HistoryDeps, HistoryJob, HistoryPolicy } from "../domain/history/ports";
import { openToken, type TokenKeys } from "../domain/token-seal";
import type { MetaHosts } from "../platform/runtime-config";

/**
 * The import's bounds (docs/app-api.md "History import"). Meta allows 2 Conversations API calls per second per
 * account (MRL) and describes only the 20 most recent messages of a conversation (CONV); one call every 600 ms
 * keeps a margin under the rate.
 */
export const DEFAULT_HISTORY_POLICY: HistoryPolicy = {
  depthMs: 30 * 24 * 3600 * 1000,
  maxConversations: 500,
  pageSize: 50,
  messagesPerConversation: 20,
  stepDelaySeconds: 1,
  retryDelaySeconds: 60,
  maxAttempts: 8,
  staleAfterMs: 3600 * 1000,
};
export const CALL_INTERVAL_MS = 600;

export interface HistoryConfig {
  readonly tableName: string;
  readonly metaHosts: MetaHosts;
  /** Empty where the function queues no steps. */
  readonly queueUrl?: string;
  readonly policy?: HistoryPolicy;
}

export interface HistoryClients {
  readonly db: DynamoDBDocumentClient;
  readonly sqs?: SQSClient;
  readonly now?: () => number;
  /** How the pacing waits (tests pass one that moves a simulated clock). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Stands in for Meta (tests); the Conversations API on the configured host otherwise. */
  readonly meta?: ConversationsApi;
}

/** One SQS record as the history worker reads it. */
export interface HistoryRecord {
  readonly messageId: string;
  readonly body: string;
}

export type HistoryLog = (message: string, extra: Record<string, unknown>) => void;

/** Waits so that two calls are at least `intervalMs` apart (per container: one step runs at a time). */
export function pacer(intervalMs: number, sleep: (ms: number) => Promise<void>, now: () => number) {
  let last = Number.NEGATIVE_INFINITY;
  return async () => {
    const wait = last + intervalMs - now();
    if (wait > 0) await sleep(wait);
    last = now();
  };
}

/** The history import's dependencies: job store, queue, Meta's Conversations API and the inbound message store. */
export function historyWiring(config: HistoryConfig, clients: HistoryClients) {
  const now = clients.now ?? (() => Date.now());
  const sleep = clients.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const integrations = dynamoIntegrationStore(clients.db, config.tableName);
  const jobs = dynamoHistoryJobStore(clients.db, config.tableName);
  const queue =
    config.queueUrl && clients.sqs
      ? sqsHistoryQueue(clients.sqs, config.queueUrl)
      : missingQueue(Env.historyQueueUrl, "history imports");
  const pace = pacer(CALL_INTERVAL_MS, sleep, now);

  /** Dependencies for a key set (the worker opens tokens; the start route never does and passes none). */
  function deps(
    keys?: TokenKeys,
    onToken: (token: string) => void = () => undefined,
    extra: Pick<HistoryDeps, "afterCommit"> = {},
  ): HistoryDeps {
    return {
      jobs,
      queue,
      meta: clients.meta ?? graphConversationsApi(config.metaHosts),
      store: dynamoInboundStore(clients.db, config.tableName, now),
      integration: (imoId, userId) => integrations.get(imoId, userId),
      accessToken: (integration) => {
        if (keys === undefined || integration.token === undefined) throw new Error("No token keys here");
        const token = openToken(integration.token, keys, integration);
        onToken(token);
        return token;
      },
      pace,
      policy: config.policy ?? DEFAULT_HISTORY_POLICY,
      now,
      newJobId: () => randomUUID(),
      ...extra,
    };
  }

  /** Runs each record's step; a record that fails is reported (SQS receives it again, then moves it to the DLQ). */
  async function runBatch(
    records: readonly HistoryRecord[],
    stepDeps: HistoryDeps,
    log: HistoryLog,
  ): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> {
    const failures: { itemIdentifier: string }[] = [];
    for (const record of records) {
      const parsed = HistoryStepBody.safeParse(safeJson(record.body));
      if (!parsed.success) {
        log("history record unreadable", { recordId: record.messageId });
        failures.push({ itemIdentifier: record.messageId });
        continue;
      }
      const step = parsed.data;
      try {
        const outcome: StepOutcome = await runHistoryStep(step, stepDeps);
        const job = await jobs.get(step.imoId, step.igAccountId);
        log("history step finished", { ...stepFields(step), outcome, ...progress(job) });
      } catch (error) {
        log("history step failed; the record will be received again", {
          ...stepFields(step),
          error: error instanceof Error ? error.message : String(error),
        });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  }

  return { jobs, queue, deps, runBatch, now };
}

export type HistoryWiring = ReturnType<typeof historyWiring>;

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function stepFields(step: {
  imoId: string;
  igAccountId: string;
  jobId: string;
  seq: number;
  attempt: number;
}) {
  return {
    imoId: step.imoId,
    igAccountId: step.igAccountId,
    jobId: step.jobId,
    seq: step.seq,
    attempt: step.attempt,
  };
}

function progress(job: HistoryJob | undefined) {
  return job === undefined
    ? {}
    : { status: job.status, conversations: job.conversations, messages: job.messages, error: job.error };
}
