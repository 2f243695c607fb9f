import type { Integration, MetaTarget } from "../integration";
import type { Attachment } from "../message";
import type { MetaErrorClass, UsageSignal } from "../meta-errors";
import type { InboundStore } from "../webhook/ports";

export type HistoryStatus = "running" | "completed" | "failed";

/** Why a failed import stopped (shown to the app as `history.error`). */
export type HistoryError =
  | "reauth_required"
  | "integration_disconnected"
  | "permission_missing"
  | "meta_unavailable"
  | "meta_refused";

/**
 * Where an import stands: the list cursor of the page read last, the conversations of that page still to import,
 * how many were listed, and whether the listing is over (end of the list, the depth or the count bound).
 */
export interface HistoryCursor {
  readonly after?: string;
  readonly pending: readonly string[];
  readonly listed: number;
  readonly listDone: boolean;
}

/** The job item of one account's import, on the organisation's partition beside the integration. */
export interface HistoryJob {
  readonly imoId: string;
  readonly igAccountId: string;
  /** The app user whose integration (and token) the import reads with. */
  readonly userId: string;
  readonly jobId: string;
  readonly status: HistoryStatus;
  readonly conversations: number;
  readonly messages: number;
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly error?: HistoryError;
  readonly cursor: HistoryCursor;
  /** The step the job waits for: a record with another number is a duplicate or a leftover. */
  readonly seq: number;
  /** The highest step number known to be queued (a crash between commit and enqueue leaves it behind `seq`). */
  readonly enqueuedSeq: number;
  /** Conversations last active before this (epoch ms) are not imported. */
  readonly since: number;
  readonly updatedAt: number;
}

/** One queued step: which job, which step number, and (for logs and retries) the cursor it starts from. */
export interface HistoryStep {
  readonly imoId: string;
  readonly igAccountId: string;
  readonly jobId: string;
  readonly seq: number;
  /** Re-queues of this step after Meta throttled or failed it. */
  readonly attempt: number;
}

/** What one committed step changes. */
export interface StepCommit {
  readonly cursor: HistoryCursor;
  readonly conversations: number;
  readonly messages: number;
  readonly status: HistoryStatus;
  readonly finishedAt?: number;
  readonly error?: HistoryError;
  readonly at: number;
}

export interface HistoryJobStore {
  get(imoId: string, igAccountId: string): Promise<HistoryJob | undefined>;
  /** Stores a new job unless one is running and was updated after `staleBefore`; `running` then. */
  start(job: HistoryJob, staleBefore: number): Promise<"started" | "running">;
  /** Applies a step to the job if it still waits for that step (same job id and `seq`); false otherwise. */
  commit(job: HistoryJob, change: StepCommit): Promise<boolean>;
  /** Records that step `seq` is queued (only ever moves forward). */
  markEnqueued(job: HistoryJob, seq: number): Promise<void>;
}

export interface HistoryQueue {
  enqueue(step: HistoryStep, delaySeconds: number): Promise<void>;
}

/** A message as Meta's Conversations API describes it (`GET /<MESSAGE_ID>?fields=…`). */
export interface HistoryMessage {
  readonly mid: string;
  readonly createdAt: number;
  readonly fromId: string;
  readonly toIds: readonly string[];
  readonly text?: string;
  readonly attachments: readonly Attachment[];
}

/** An answer with the usage headers Meta sent along (the import slows down near the limit). */
export interface Read<T> {
  readonly value: T;
  readonly usage?: UsageSignal;
}

/** A refusal or failure of the Conversations API, classified like every Meta error. */
export class HistoryReadError extends Error {
  override readonly name = "HistoryReadError";
  constructor(
    readonly kind: MetaErrorClass,
    message: string,
    /** Meta's `estimated_time_to_regain_access`, when it said. */
    readonly regainAccessMs = 0,
  ) {
    super(message);
  }
}

/** Meta's Conversations API (Instagram Login); every method throws HistoryReadError on Meta's refusals. */
/** An integration's token and where Meta is called with it (the Page on graph.facebook.com for Facebook Login). */
export interface MetaAuth {
  readonly accessToken: string;
  readonly target?: MetaTarget;
}

export interface ConversationsApi {
  /** One page of the account's conversations, newest first; `after` is absent on the last page. */
  listConversations(
    request: MetaAuth & {
      readonly igAccountId: string;
      readonly after?: string;
      readonly limit: number;
    },
  ): Promise<Read<{ conversations: { id: string; updatedAt: number }[]; after?: string }>>;
  /** The newest message ids of a conversation (newest first). */
  messageIds(
    request: MetaAuth & {
      readonly conversationId: string;
      readonly limit: number;
    },
  ): Promise<Read<string[]>>;
  message(request: MetaAuth & { readonly messageId: string }): Promise<Read<HistoryMessage>>;
}

/** Bounds and pacing of an import (docs/app-api.md "History import"). */
export interface HistoryPolicy {
  /** Conversations last active within this many ms are imported. */
  readonly depthMs: number;
  /** At most this many conversations per import. */
  readonly maxConversations: number;
  /** Conversations read per list call. */
  readonly pageSize: number;
  /** Meta returns details for the 20 most recent messages of a conversation only. */
  readonly messagesPerConversation: number;
  /** Delay between two steps (SQS message delay). */
  readonly stepDelaySeconds: number;
  /** Delay of a step Meta throttled or failed (unless Meta says how long). */
  readonly retryDelaySeconds: number;
  /** A step re-queued this often fails the import (`meta_unavailable`). */
  readonly maxAttempts: number;
  /** A `running` job not updated for this long is considered dead and may be started again. */
  readonly staleAfterMs: number;
}

export interface HistoryDeps {
  readonly jobs: HistoryJobStore;
  readonly queue: HistoryQueue;
  readonly meta: ConversationsApi;
  readonly store: Pick<InboundStore, "recordMessages" | "confirmEcho">;
  readonly integration: (imoId: string, userId: string) => Promise<Integration | undefined>;
  /** Opens the integration's sealed token (and registers it for log redaction). */
  readonly accessToken: (integration: Integration) => string;
  /** Waits before every Meta call so the account stays under Meta's rate (2 calls/s for this API). */
  readonly pace: () => Promise<void>;
  readonly policy: HistoryPolicy;
  readonly now: () => number;
  readonly newJobId: () => string;
  /** Test seam: runs after a step committed and before the next is queued (a crash there must lose nothing). */
  readonly afterCommit?: (job: HistoryJob) => Promise<void> | void;
}
