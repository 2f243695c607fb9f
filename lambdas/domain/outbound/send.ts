import { canReply, replyWindow } from "../conversation";
import { type Integration, metaTargetOf } from "../integration";
import type { SendFailureReason } from "../message";
import { SLOW_DOWN_AT_PERCENT, type UsageSignal } from "../meta-errors";
import type { LimiterPolicy } from "./limiter";
import type {
  ConversationWindows,
  IntegrationAccess,
  OutboundMessage,
  OutboundRef,
  OutboundStore,
  SendApi,
  SendLimiter,
  SendReads,
} from "./ports";
import {
  APP_WIDE_LIMITER,
  backoffMs,
  DEFAULT_RATE_LIMIT_PAUSE_MS,
  RESTRICTION_PROBE_MS,
  type RetryPolicy,
  waitBudgetSpent,
} from "./retry";
import { usableSlot } from "./send-slot";
import { sendView } from "./send-view";

export interface SenderDeps {
  readonly store: OutboundStore;
  readonly integrations: IntegrationAccess;
  readonly conversations: ConversationWindows;
  readonly limiter: SendLimiter;
  readonly meta: SendApi;
  /** Opens the integration's sealed token; throws if it cannot. */
  readonly accessToken: (integration: Integration) => string;
  readonly now: () => number;
  readonly random: () => number;
  readonly limits: LimiterPolicy;
  readonly retry: RetryPolicy;
  /** The queue's maxReceiveCount: a record must never reach it while we still want it (see decide). */
  readonly maxReceiveCount: number;
  /** No send outlives the sender's timeout; a `sending` message older than this was left by a crash. */
  readonly sendingLeaseMs: number;
  /** The reads of one decision at once; without it, one read per port (the in-memory fakes). */
  readonly reads?: SendReads;
  /** Waits in the invocation for a slot at most NEAR_SLOT_MS (send-slot.ts) away; without it, such a slot defers. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What to do with the queue record once a message was handled. */
export type RecordOutcome =
  /** Delete the record: the message is sent, failed for good, or not ours to handle. */
  | { readonly kind: "done"; readonly result: string }
  /** Keep the record and hide it until `until` (its send-cap slot or its retry time). */
  | { readonly kind: "defer"; readonly until: number; readonly result: string }
  /** Copy the record to the dead-letter queue (the alarm fires), then delete it. */
  | { readonly kind: "dead_letter"; readonly result: string };

export interface QueueRecord {
  readonly ref: OutboundRef;
  /** FIFO message group: the conversation. */
  readonly group: string;
  /** ApproximateReceiveCount, including this receive. */
  readonly receiveCount: number;
}

const done = (result: string): RecordOutcome => ({ kind: "done", result });

/**
 * One record: re-check, hold a slot under the account's cap, send once, record the result. A deferral past the
 * wait budget (`waitBudgetSpent`: too old for the queue's retention, or the queue's last receive) is turned into
 * an explicit failure + DLQ instead, so SQS never drops or dead-letters a message our table still shows queued.
 */
export async function processRecord(record: QueueRecord, deps: SenderDeps): Promise<RecordOutcome> {
  const outcome = await decide(record.ref, deps);
  if (outcome.kind !== "defer") return outcome;
  // Waiting (the cap, Meta's pauses) costs receives but no attempt: only age or the queue's last receive end it.
  const message = await deps.store.get(record.ref);
  const spent = waitBudgetSpent({
    receiveCount: record.receiveCount,
    maxReceiveCount: deps.maxReceiveCount,
    acceptedAt: message?.acceptedAt ?? deps.now(),
    now: deps.now(),
  });
  if (!spent) return outcome;
  if (message?.status === "queued") {
    // A message that waited out an account-wide stop says so, rather than a generic "retries exhausted".
    const integration = await deps.integrations.get(message.imoId, message.userId);
    const reason = integration?.restriction === undefined ? "retries_exhausted" : "account_restricted";
    await deps.store.markFailed(message, "queued", reason, deps.now());
  }
  return { kind: "dead_letter", result: "receive_budget_exhausted" };
}

async function decide(ref: OutboundRef, deps: SenderDeps): Promise<RecordOutcome> {
  // The app-wide state beside the view, not in it: it is one item every send reads (cached per container).
  const [view, appLimiter] = await Promise.all([sendView(ref, deps), deps.limiter.state(APP_WIDE_LIMITER)]);
  const { message, integration } = view;
  if (message === undefined) return done("unknown_message");
  if (message.status === "sent" || message.status === "failed") return done(`already_${message.status}`);
  if (message.status === "sending") {
    // A duplicate delivery of the record can meet a send still in flight in another invocation: wait until
    // that invocation must have ended, then look again.
    const leaseEnds = (message.sendingSince ?? 0) + deps.sendingLeaseMs;
    if (deps.now() < leaseEnds) return { kind: "defer", until: leaseEnds, result: "in_flight_elsewhere" };
    // Only a crashed send leaves `sending` behind longer than that. Meta may have delivered it: never send
    // again; its echo, if any, appears in the conversation.
    await deps.store.markFailed(message, "sending", "delivery_unconfirmed", deps.now());
    return done("unconfirmed_after_crash");
  }

  const notReady = integrationProblem(integration, message);
  if (integration === undefined || notReady !== undefined) {
    return fail(message, "queued", notReady ?? "integration_disconnected", deps);
  }
  if (!canReply(replyWindow(view.anchors, deps.now()), message.tag)) {
    return fail(message, "queued", "window_closed", deps);
  }

  // Meta's app-wide limit (code 4) holds back every account until it lifts.
  const appPausedUntil = appLimiter.pausedUntil ?? 0;
  if (appPausedUntil > deps.now())
    return { kind: "defer", until: appPausedUntil, result: "app_rate_limited" };

  const slot = await usableSlot(message, view.accountLimiter, deps);
  if (slot.wait !== undefined) return { kind: "defer", until: slot.wait, result: "waiting_for_cap" };
  if (!(await deps.store.markSending(message, slot.at, deps.now()))) return done("taken_by_another_sender");
  return send({ ...message, status: "sending", attempts: message.attempts + 1 }, integration, deps);
}

function integrationProblem(
  integration: Integration | undefined,
  message: OutboundMessage,
): SendFailureReason | undefined {
  if (integration === undefined || integration.status === "revoked") return "integration_disconnected";
  if (integration.igAccountId !== message.igAccountId) return "integration_disconnected";
  if (integration.status === "needs_reauth") return "reauth_required";
  return undefined;
}

async function fail(
  message: OutboundMessage,
  from: "queued" | "sending",
  reason: SendFailureReason,
  deps: SenderDeps,
): Promise<RecordOutcome> {
  await deps.store.markFailed(message, from, reason, deps.now());
  return done(`failed_${reason}`);
}

async function send(
  message: OutboundMessage,
  integration: Integration,
  deps: SenderDeps,
): Promise<RecordOutcome> {
  let accessToken: string;
  try {
    accessToken = deps.accessToken(integration);
  } catch {
    await deps.integrations.markNeedsReauth(integration, deps.now());
    return fail(message, "sending", "reauth_required", deps);
  }
  const result = await deps.meta.send({
    igAccountId: message.igAccountId,
    accessToken,
    target: metaTargetOf(integration),
    recipientId: message.igsid,
    content: message.content,
    ...(message.tag ? { tag: message.tag } : {}),
  });
  if (result.ok) {
    await deps.store.markSent(message, result.mid, deps.now());
    if (integration.restriction !== undefined)
      await deps.integrations.clearRestriction(integration, deps.now());
    if (result.usage !== undefined) await slowDown(message.igAccountId, result.usage, deps);
    return done("sent");
  }
  switch (result.kind) {
    case "window_closed":
      return fail(message, "sending", "window_closed", deps);
    case "token_invalid":
      await deps.integrations.markNeedsReauth(integration, deps.now());
      return fail(message, "sending", "reauth_required", deps);
    case "permission_missing":
      return fail(message, "sending", "permission_missing", deps);
    case "not_thread_owner":
      return fail(message, "sending", "not_thread_owner", deps);
    case "account_restricted": {
      // One answer speaks for the whole account: pause its queue (the other messages never reach Meta) and
      // let the first message after the pause probe again. This message waits with them.
      const until = deps.now() + RESTRICTION_PROBE_MS;
      await deps.integrations.markRestricted(
        integration,
        result.restriction ?? "account_restricted",
        deps.now(),
      );
      await deps.limiter.pause(message.igAccountId, until);
      return retryLater(message, until, "account_restricted", deps);
    }
    case "recipient_unavailable":
      return fail(message, "sending", "recipient_unavailable", deps);
    case "sent_but_unconfirmed":
      // 1/1357046: Meta may have delivered it. Never blind-retry; the echo reconciles (docs/outbound.md).
      return fail(message, "sending", "delivery_unconfirmed", deps);
    case "invalid_request":
    case "unknown":
      return fail(message, "sending", "rejected_by_meta", deps);
    case "rate_limited": {
      // docs/outbound.md: 5 minutes unless Meta's estimated_time_to_regain_access says longer.
      const until = deps.now() + Math.max(result.retryAfterMs ?? 0, DEFAULT_RATE_LIMIT_PAUSE_MS);
      await deps.limiter.pause(result.scope === "app" ? APP_WIDE_LIMITER : message.igAccountId, until);
      return retryLater(message, until, result.scope === "app" ? "app_rate_limited" : "rate_limited", deps);
    }
    case "transient": {
      if (message.attempts >= deps.retry.maxAttempts) {
        await deps.store.markFailed(message, "sending", "retries_exhausted", deps.now());
        return { kind: "dead_letter", result: "retries_exhausted" };
      }
      const until = deps.now() + backoffMs(message.attempts, deps.retry, deps.random);
      return retryLater(message, until, "transient_retry", deps);
    }
  }
}

/**
 * Slows down before Meta throttles: an answer that says access must be regained, or usage at or above
 * SLOW_DOWN_AT_PERCENT, pauses the account (or, for the app's usage, every account) for a minute per percent
 * over the threshold — one minute at 90 %, ten at 99 % — so the hour's usage can drain.
 */
async function slowDown(igAccountId: string, usage: UsageSignal, deps: SenderDeps): Promise<void> {
  const now = deps.now();
  const over = (percent: number | undefined) =>
    percent === undefined || percent < SLOW_DOWN_AT_PERCENT
      ? 0
      : (percent - SLOW_DOWN_AT_PERCENT + 1) * 60_000;
  const accountPause = Math.max(usage.regainAccessMs, over(usage.accountPercent));
  if (accountPause > 0) await deps.limiter.pause(igAccountId, now + accountPause);
  const appPause = over(usage.appPercent);
  if (appPause > 0) await deps.limiter.pause(APP_WIDE_LIMITER, now + appPause);
}

/** Back to `queued` with the slot of the next attempt already reserved, so the retry costs one receive. */
async function retryLater(
  message: OutboundMessage,
  notBefore: number,
  result: string,
  deps: SenderDeps,
): Promise<RecordOutcome> {
  const slot = await deps.limiter.reserve(message.igAccountId, deps.now(), notBefore);
  await deps.store.requeue(message, slot, deps.now());
  return { kind: "defer", until: slot, result };
}
