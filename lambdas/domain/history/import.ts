import { AppError } from "../errors";
import { type Integration, metaTargetOf } from "../integration";
import { SLOW_DOWN_AT_PERCENT, type UsageSignal } from "../meta-errors";
import type { Tenant } from "../tenant";
import type { NewMessage } from "../webhook/ports";
import {
  type HistoryCursor,
  type HistoryDeps,
  type HistoryError,
  type HistoryJob,
  type HistoryMessage,
  HistoryReadError,
  type HistoryStep,
  type MetaAuth,
} from "./ports";
import { customerOf, importedMessage } from "./records";

/** What one queued record did. */
export type StepOutcome =
  /** The step committed and the next one is queued. */
  | "continued"
  | "completed"
  | "failed"
  /** Meta throttled or failed: the same step is queued again later. */
  | "retry_later"
  /** A step committed before a crash had not queued its successor: queued now. */
  | "resumed"
  /** A duplicate or leftover record (another job, an older step, a finished job): nothing to do. */
  | "stale";

/**
 * Starts an import of the caller's account (on connect, or `POST /instagram/integration/history`): a new job and
 * its first step. One import per account at a time (409 while one runs), unless the running one stopped moving.
 */
export async function startHistoryImport(deps: HistoryDeps, tenant: Tenant): Promise<HistoryJob> {
  const integration = await deps.integration(tenant.imoId, tenant.userId);
  if (integration === undefined || integration.status === "revoked") {
    throw new AppError("integration.not_connected", "Connect an Instagram account first.");
  }
  if (integration.status !== "connected" || integration.token === undefined) {
    throw new AppError("integration.needs_reauth", "Reconnect the Instagram account first.");
  }
  const now = deps.now();
  const job: HistoryJob = {
    imoId: tenant.imoId,
    igAccountId: integration.igAccountId,
    userId: tenant.userId,
    jobId: deps.newJobId(),
    status: "running",
    conversations: 0,
    messages: 0,
    startedAt: now,
    cursor: { pending: [], listed: 0, listDone: false },
    seq: 0,
    enqueuedSeq: -1,
    since: now - deps.policy.depthMs,
    updatedAt: now,
  };
  if ((await deps.jobs.start(job, now - deps.policy.staleAfterMs)) === "running") {
    throw new AppError("history.already_running", "A history import of this account is already running.");
  }
  await deps.queue.enqueue(stepOf(job, job.seq), 0);
  await deps.jobs.markEnqueued(job, job.seq);
  return job;
}

/**
 * Runs one queued step of an import: the next conversation of the current page, or the next page of the list. The
 * job item says where the import stands; the step commits its cursor and counts only if the job still waits for it
 * (so a duplicate record never counts twice), then queues the next step. A crash anywhere resumes from the last
 * committed cursor: messages are stored by `mid`, so a step done twice stores nothing twice.
 */
export async function runHistoryStep(step: HistoryStep, deps: HistoryDeps): Promise<StepOutcome> {
  const job = await deps.jobs.get(step.imoId, step.igAccountId);
  if (job === undefined || job.jobId !== step.jobId || job.status !== "running") return "stale";
  if (step.seq < job.seq) {
    if (job.enqueuedSeq >= job.seq) return "stale";
    await deps.queue.enqueue(stepOf(job, job.seq), 0);
    await deps.jobs.markEnqueued(job, job.seq);
    return "resumed";
  }
  if (step.seq > job.seq) return "stale";
  const integration = await deps.integration(job.imoId, job.userId);
  const unusable = unusableReason(integration, job);
  if (unusable !== undefined || integration === undefined) {
    return finish(deps, job, unusable ?? "integration_disconnected");
  }
  // Where and with what to read: the account on graph.instagram.com, or its Page on graph.facebook.com.
  const auth: MetaAuth = { accessToken: deps.accessToken(integration), target: metaTargetOf(integration) };
  let result: { cursor: HistoryCursor; conversations: number; messages: number; usage?: UsageSignal };
  try {
    result = await advance(job, auth, deps);
  } catch (error) {
    if (error instanceof JobGone) return "stale";
    if (!(error instanceof HistoryReadError)) throw error;
    return onReadError(error, step, job, deps);
  }
  const done = result.cursor.listDone && result.cursor.pending.length === 0;
  const at = deps.now();
  const committed = await deps.jobs.commit(job, {
    cursor: result.cursor,
    conversations: result.conversations,
    messages: result.messages,
    status: done ? "completed" : "running",
    ...(done ? { finishedAt: at } : {}),
    at,
  });
  if (!committed) return "stale";
  if (done) return "completed";
  const next = { ...job, seq: job.seq + 1 };
  await deps.afterCommit?.(next);
  await deps.queue.enqueue(stepOf(next, next.seq), nextDelaySeconds(deps, result.usage));
  await deps.jobs.markEnqueued(next, next.seq);
  return "continued";
}

function stepOf(job: HistoryJob, seq: number, attempt = 0): HistoryStep {
  return { imoId: job.imoId, igAccountId: job.igAccountId, jobId: job.jobId, seq, attempt };
}

function unusableReason(integration: Integration | undefined, job: HistoryJob): HistoryError | undefined {
  if (integration === undefined || integration.status === "revoked") return "integration_disconnected";
  if (integration.igAccountId !== job.igAccountId) return "integration_disconnected";
  if (integration.status !== "connected" || integration.token === undefined) return "reauth_required";
  return undefined;
}

async function finish(deps: HistoryDeps, job: HistoryJob, error: HistoryError): Promise<StepOutcome> {
  const at = deps.now();
  const committed = await deps.jobs.commit(job, {
    cursor: job.cursor,
    conversations: 0,
    messages: 0,
    status: "failed",
    finishedAt: at,
    error,
    at,
  });
  return committed ? "failed" : "stale";
}

/** Throttling and transient failures wait and retry the same step; a refusal of the account ends the import. */
async function onReadError(
  error: HistoryReadError,
  step: HistoryStep,
  job: HistoryJob,
  deps: HistoryDeps,
): Promise<StepOutcome> {
  if (error.kind === "token_invalid") return finish(deps, job, "reauth_required");
  if (error.kind === "permission_missing" || error.kind === "account_restricted") {
    return finish(deps, job, "permission_missing");
  }
  if (error.kind !== "rate_limited" && error.kind !== "transient") return finish(deps, job, "meta_refused");
  if (step.attempt + 1 >= deps.policy.maxAttempts) return finish(deps, job, "meta_unavailable");
  const delay = Math.max(deps.policy.retryDelaySeconds, Math.ceil(error.regainAccessMs / 1000));
  await deps.queue.enqueue(stepOf(job, job.seq, step.attempt + 1), Math.min(delay, MAX_SQS_DELAY_SECONDS));
  return "retry_later";
}

/** The job was erased or replaced while a step read from Meta. */
class JobGone extends Error {}

/** SQS delays a message by 15 minutes at most. */
const MAX_SQS_DELAY_SECONDS = 900;

/** Near Meta's usage limit the next step waits the longest SQS allows (Meta advises spreading calls out). */
function nextDelaySeconds(deps: HistoryDeps, usage: UsageSignal | undefined): number {
  const busy =
    usage !== undefined &&
    (usage.regainAccessMs > 0 ||
      (usage.accountPercent ?? 0) >= SLOW_DOWN_AT_PERCENT ||
      (usage.appPercent ?? 0) >= SLOW_DOWN_AT_PERCENT);
  return busy ? MAX_SQS_DELAY_SECONDS : deps.policy.stepDelaySeconds;
}

/** The highest usage seen in a step (the worst answer decides the pace). */
function worse(a: UsageSignal | undefined, b: UsageSignal | undefined): UsageSignal | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const max = (x?: number, y?: number) => (x === undefined ? y : y === undefined ? x : Math.max(x, y));
  const accountPercent = max(a.accountPercent, b.accountPercent);
  const appPercent = max(a.appPercent, b.appPercent);
  return {
    ...(accountPercent === undefined ? {} : { accountPercent }),
    ...(appPercent === undefined ? {} : { appPercent }),
    regainAccessMs: Math.max(a.regainAccessMs, b.regainAccessMs),
  };
}

/** One step's work: import the next pending conversation, or read the next page of the list. */
async function advance(job: HistoryJob, auth: MetaAuth, deps: HistoryDeps) {
  const { cursor } = job;
  const [conversationId, ...rest] = cursor.pending;
  if (conversationId !== undefined) {
    const imported = await importConversation(job, conversationId, auth, deps);
    return {
      cursor: { ...cursor, pending: rest },
      conversations: imported.messages > 0 ? 1 : 0,
      messages: imported.messages,
      ...(imported.usage === undefined ? {} : { usage: imported.usage }),
    };
  }
  if (cursor.listDone) return { cursor, conversations: 0, messages: 0 };
  const room = deps.policy.maxConversations - cursor.listed;
  await deps.pace();
  const page = await deps.meta.listConversations({
    igAccountId: job.igAccountId,
    ...auth,
    limit: Math.min(deps.policy.pageSize, room),
    ...(cursor.after === undefined ? {} : { after: cursor.after }),
  });
  const listed = page.value.conversations;
  // Newest first: the first conversation older than the depth ends the listing.
  const recent = listed.filter((conversation) => conversation.updatedAt >= job.since).slice(0, room);
  const count = cursor.listed + recent.length;
  const next: HistoryCursor = {
    ...(page.value.after === undefined ? {} : { after: page.value.after }),
    pending: recent.map((conversation) => conversation.id),
    listed: count,
    listDone:
      page.value.after === undefined ||
      recent.length < listed.length ||
      count >= deps.policy.maxConversations,
  };
  return {
    cursor: next,
    conversations: 0,
    messages: 0,
    ...(page.usage === undefined ? {} : { usage: page.usage }),
  };
}

/** Reads a conversation's most recent messages (ids, then each one's fields) and stores them by `mid`. */
async function importConversation(
  job: HistoryJob,
  conversationId: string,
  auth: MetaAuth,
  deps: HistoryDeps,
): Promise<{ messages: number; usage?: UsageSignal }> {
  await deps.pace();
  const ids = await deps.meta.messageIds({
    conversationId,
    ...auth,
    limit: deps.policy.messagesPerConversation,
  });
  let usage = ids.usage;
  const messages: HistoryMessage[] = [];
  for (const id of ids.value.slice(0, deps.policy.messagesPerConversation)) {
    await deps.pace();
    try {
      const read = await deps.meta.message({ messageId: id, ...auth });
      usage = worse(usage, read.usage);
      messages.push(read.value);
    } catch (error) {
      // One message Meta will not describe (older than its 20 most recent, or removed) is skipped, not fatal.
      if (error instanceof HistoryReadError && error.kind === "invalid_request") continue;
      throw error;
    }
  }
  // Reading took seconds: an erasure or a new import may have removed this job meanwhile; then store nothing.
  const current = await deps.jobs.get(job.imoId, job.igAccountId);
  if (current?.jobId !== job.jobId || current.status !== "running") throw new JobGone();
  const igsid = customerOf(job.igAccountId, messages);
  if (igsid === undefined) return { messages: 0, ...(usage === undefined ? {} : { usage }) };
  const ref = { imoId: job.imoId, igAccountId: job.igAccountId, igsid };
  const batch: NewMessage[] = [];
  let stored = 0;
  for (const message of messages) {
    const imported = importedMessage(ref, message);
    // A message we sent through the API is stored under our id: its mid points at it (as for an echo).
    if (imported.message.direction === "outbound") {
      const echo = await deps.store.confirmEcho(ref, message.mid, imported.effect);
      if (echo === "matched") {
        stored += 1;
        continue;
      }
    }
    batch.push(imported);
  }
  if (batch.length > 0) stored += (await deps.store.recordMessages(batch)).length;
  return { messages: stored, ...(usage === undefined ? {} : { usage }) };
}
