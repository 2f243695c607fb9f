import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse } from "aws-lambda";
import { dynamoProfileAccess, dynamoProfileStore } from "../adapters/dynamo/profiles";
import { dynamoSendLimiter } from "../adapters/dynamo/send-limiter";
import { graphUserProfile } from "../adapters/meta/user-profile";
import { ProfileJobBody, sqsProfileQueue } from "../adapters/sqs/profile-queue";
import { sqsRetryLater } from "../adapters/sqs/retry-later";
import { Defaults } from "../contract/env";
import { limiterPolicy } from "../domain/outbound/limiter";
import { APP_WIDE_LIMITER } from "../domain/outbound/retry";
import { fetchProfiles, type ProfileFetchDeps, type ProfileRecord } from "../domain/profile/fetch";
import type { ProfileJob, ThrottleState } from "../domain/profile/ports";
import { openToken, type TokenKeys } from "../domain/token-seal";
import { forEachLimited } from "../domain/webhook/limited";
import type { ConversationRef, ProfileRequests } from "../domain/webhook/ports";
import type { MetaHosts } from "../platform/runtime-config";

export type ProfileLog = (message: string, extra: Record<string, unknown>) => void;

/** Conditional writes at the same time when one delivery names many customers. */
const REQUEST_CONCURRENCY = 8;

/**
 * The webhook's side: while a delivery is written, one eventually consistent read per conversation tells which
 * profiles may be due (most are not: a refused conditional claim costs a write unit and a round trip, the read
 * half a read unit and no round trip); after it is stored, each of those gets one job (the conversation's
 * conditional `profileRequestedAt` picks one winner per burst). Never throws: a failure is
 * logged and counted, and the requests it claimed are released so a later message asks again.
 */
export function profileRequests(
  config: { readonly tableName: string; readonly queueUrl: string },
  clients: {
    readonly db: DynamoDBDocumentClient;
    readonly sqs: SQSClient;
    readonly now?: () => number;
    readonly log: ProfileLog;
    readonly count: (name: string, value?: number) => void;
  },
): ProfileRequests {
  const store = dynamoProfileStore({ db: clients.db, tableName: config.tableName });
  const queue = sqsProfileQueue(clients.sqs, config.queueUrl);
  const now = clients.now ?? (() => Date.now());
  return {
    async dueAmong(conversations) {
      const due: ConversationRef[] = [];
      await forEachLimited(conversations, REQUEST_CONCURRENCY, async (ref) => {
        // A failed read keeps the conversation: the claim decides, as it did before this filter.
        if (await store.mayBeDue(ref, now()).catch(() => true)) due.push(ref);
      });
      return due;
    },

    async request(conversations) {
      const due: ProfileJob[] = [];
      try {
        await forEachLimited(conversations, REQUEST_CONCURRENCY, async (ref) => {
          if (await store.requestIfDue(ref, now())) due.push(ref);
        });
        if (due.length > 0) await queue.enqueue(due);
        if (due.length > 0) clients.count("ProfileFetchRequested", due.length);
      } catch (error) {
        clients.count("ProfileRequestFailed");
        clients.log("profile requests failed; the next message asks again", {
          conversations: conversations.length,
          error: error instanceof Error ? error.name : "unknown",
        });
        await Promise.all(due.map((job) => store.release(job).catch(() => undefined)));
      }
    },
  };
}

/** One SQS record as the worker reads it. */
export interface ProfileQueueRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: { readonly ApproximateReceiveCount?: string };
}

/**
 * The profile fetch worker: each record's job through `fetchProfiles`; a job to retry is hidden for its wait
 * (`ChangeMessageVisibility`) and reported failed, so SQS hands it out again then (and after `maxReceiveCount`
 * receives moves it to the DLQ). A record that is not a job fails until the DLQ keeps it.
 */
export function profileWorker(
  config: { readonly tableName: string; readonly queueUrl: string; readonly metaHosts: MetaHosts },
  clients: { readonly db: DynamoDBDocumentClient; readonly sqs: SQSClient; readonly now?: () => number },
) {
  const access = { db: clients.db, tableName: config.tableName };
  const limiter = dynamoSendLimiter(access, limiterPolicy(Defaults.sendCapPerHour));
  const throttles: ThrottleState = {
    async pausedUntil(igAccountId) {
      const [account, app] = await Promise.all([limiter.state(igAccountId), limiter.state(APP_WIDE_LIMITER)]);
      const until = Math.max(account.pausedUntil ?? 0, app.pausedUntil ?? 0);
      return until === 0 ? undefined : until;
    },
    pause: (igAccountId, until) =>
      limiter.pause(igAccountId === "app" ? APP_WIDE_LIMITER : igAccountId, until),
  };
  const retryLater = sqsRetryLater(clients.sqs, config.queueUrl);

  function deps(keys: TokenKeys, onToken: (token: string) => void): ProfileFetchDeps {
    return {
      store: dynamoProfileStore(access),
      access: dynamoProfileAccess(access, (integration) => {
        if (integration.token === undefined) throw new Error("Integration has no token");
        const token = openToken(integration.token, keys, integration);
        onToken(token);
        return token;
      }),
      meta: graphUserProfile(config.metaHosts),
      throttles,
      now: clients.now ?? (() => Date.now()),
    };
  }

  return async (
    records: readonly ProfileQueueRecord[],
    keys: TokenKeys,
    onToken: (token: string) => void,
    log: ProfileLog,
  ): Promise<SQSBatchResponse> => {
    const failures: SQSBatchResponse["batchItemFailures"] = [];
    const readable: { record: ProfileQueueRecord; job: ProfileRecord }[] = [];
    for (const record of records) {
      const parsed = parseJob(record.body);
      if (parsed === undefined) {
        log("profile record unreadable", { recordId: record.messageId });
        failures.push({ itemIdentifier: record.messageId });
        continue;
      }
      const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
      readable.push({ record, job: { job: parsed, receiveCount } });
    }
    const outcomes = await fetchProfiles(
      readable.map((r) => r.job),
      deps(keys, onToken),
    );
    for (const [i, outcome] of outcomes.entries()) {
      const entry = readable[i];
      if (entry === undefined) continue;
      const extra = { igAccountId: entry.job.job.igAccountId, result: outcome.result };
      if (outcome.kind === "done") {
        log("profile job done", extra);
        continue;
      }
      const seconds = Math.min(Math.ceil(outcome.afterMs / 1000), 12 * 3600);
      log("profile job retried later", { ...extra, retryInSeconds: seconds });
      // If the wait cannot be set, SQS still hands the record out again after the queue's visibility timeout.
      await retryLater(entry.record.receiptHandle, seconds).catch(() => undefined);
      failures.push({ itemIdentifier: entry.record.messageId });
    }
    return { batchItemFailures: failures };
  };
}

function parseJob(body: string): ProfileJob | undefined {
  try {
    const parsed = ProfileJobBody.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
