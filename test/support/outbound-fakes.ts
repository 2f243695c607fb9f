import type { Integration } from "../../lambdas/domain/integration";
import {
  EMPTY_LIMITER,
  type LimiterPolicy,
  type LimiterState,
  pauseLimiter,
  reserveSlot,
} from "../../lambdas/domain/outbound/limiter";
import type {
  ConversationWindows,
  IdempotencyRecord,
  IntegrationAccess,
  MetaSendResult,
  OutboundMessage,
  OutboundRef,
  OutboundStore,
  SendApi,
  SendLimiter,
  SendRequest,
} from "../../lambdas/domain/outbound/ports";
import type { QueueRecord } from "../../lambdas/domain/outbound/send";

/** An in-memory OutboundStore with the same conditional semantics as the DynamoDB one (status guards). */
export function memoryOutboundStore(): OutboundStore & {
  all(): OutboundMessage[];
  sentMids: Map<string, string>;
} {
  const messages = new Map<string, OutboundMessage>();
  const keys = new Map<string, IdempotencyRecord>();
  const sentMids = new Map<string, string>();
  const id = (imoId: string, messageId: string) => `${imoId}#${messageId}`;
  const transition = (m: OutboundMessage, from: string, patch: Partial<OutboundMessage>) => {
    const current = messages.get(id(m.imoId, m.messageId));
    if (current === undefined || current.status !== from) return false;
    messages.set(id(m.imoId, m.messageId), { ...current, ...patch });
    return true;
  };
  return {
    sentMids,
    all: () => [...messages.values()],
    get: async (ref) => messages.get(id(ref.imoId, ref.messageId)),
    idempotency: async (imoId, userId, key) => keys.get(`${imoId}#${userId}#${key}`),
    async create(message, idempotency) {
      if (idempotency) {
        const k = `${message.imoId}#${message.userId}#${idempotency.key}`;
        if (keys.has(k)) return "key_taken";
        keys.set(k, { messageId: message.messageId, requestHash: idempotency.requestHash });
      }
      messages.set(id(message.imoId, message.messageId), message);
      return "created";
    },
    holdSlot: async (m, slotAt) => transition(m, "queued", { slotAt }),
    markSending: async (m, slotAt, now) =>
      transition(m, "queued", { status: "sending", slotAt, attempts: m.attempts + 1, sendingSince: now }),
    async markSent(m, mid, now) {
      if (!transition(m, "sending", { status: "sent", mid, sentAt: now })) throw new Error("not sending");
      sentMids.set(mid, m.messageId);
    },
    async requeue(m, slotAt) {
      transition(m, "sending", { status: "queued", slotAt });
    },
    markFailed: async (m, from, reason) => transition(m, from, { status: "failed", failureReason: reason }),
  };
}

/** Integrations held in memory; `markNeedsReauth` honours the version like the conditional update. */
export function memoryIntegrations(
  initial: Integration[],
): IntegrationAccess & { byUser: Map<string, Integration> } {
  const byUser = new Map(initial.map((i) => [`${i.imoId}#${i.userId}`, i]));
  return {
    byUser,
    get: async (imoId, userId) => byUser.get(`${imoId}#${userId}`),
    async markNeedsReauth(integration, now) {
      const current = byUser.get(`${integration.imoId}#${integration.userId}`);
      if (current?.status !== "connected" || current.version !== integration.version) return;
      byUser.set(`${integration.imoId}#${integration.userId}`, {
        ...current,
        status: "needs_reauth",
        updatedAt: now,
        version: current.version + 1,
      });
    },
    async markRestricted(integration, reason, now) {
      const key = `${integration.imoId}#${integration.userId}`;
      const current = byUser.get(key);
      if (current?.status !== "connected" || current.version !== integration.version) return;
      const since = current.restriction?.since ?? now;
      byUser.set(key, { ...current, restriction: { reason, since, seenAt: now }, updatedAt: now });
    },
    async clearRestriction(integration, now) {
      const key = `${integration.imoId}#${integration.userId}`;
      const current = byUser.get(key);
      if (current?.restriction === undefined || current.version !== integration.version) return;
      const { restriction: _cleared, ...rest } = current;
      byUser.set(key, { ...rest, updatedAt: now });
    },
  };
}

export function fixedWindows(lastCustomerMessageAt: number | undefined): ConversationWindows {
  return { anchors: async () => (lastCustomerMessageAt === undefined ? {} : { lastCustomerMessageAt }) };
}

export interface RecordedSend {
  readonly at: number;
  readonly request: SendRequest;
  readonly mid: string;
}

/** A Send API that records every call at the virtual time and answers from a script (default: success). */
export function recordingSendApi(
  now: () => number,
  answer: (request: SendRequest, call: number) => MetaSendResult | undefined = () => undefined,
): SendApi & { sends: RecordedSend[]; calls: number } {
  const api = {
    sends: [] as RecordedSend[],
    calls: 0,
    async send(request: SendRequest): Promise<MetaSendResult> {
      api.calls += 1;
      const scripted = answer(request, api.calls);
      if (scripted !== undefined && !scripted.ok) return scripted;
      const mid = `mid-${api.calls}`;
      api.sends.push({ at: now(), request, mid });
      return { ok: true, mid };
    },
  };
  return api;
}

interface ModelMessage {
  readonly recordId: string;
  readonly seq: number;
  readonly group: string;
  readonly ref: OutboundRef;
  visibleAt: number;
  receiveCount: number;
}

/**
 * A model of an SQS FIFO queue as Lambda consumes it: per-group order, a group is locked while any of its
 * messages is in flight, a receive hides records for the visibility timeout and counts towards
 * maxReceiveCount, and ChangeMessageVisibility (whole seconds) hides a record until a time.
 */
export class FifoQueueModel {
  private seq = 0;
  readonly messages: ModelMessage[] = [];
  readonly deadLetters: ModelMessage[] = [];
  /** Receive count of every record when it was deleted. */
  readonly receivesAtDelete = new Map<string, number>();
  requests = { send: 0, receive: 0, changeVisibility: 0, delete: 0 };

  constructor(
    private readonly visibilityTimeoutMs: number,
    private readonly maxReceiveCount: number,
  ) {}

  send(group: string, ref: OutboundRef): void {
    this.requests.send += 1;
    this.seq += 1;
    this.messages.push({
      recordId: `r${this.seq}`,
      seq: this.seq,
      group,
      ref,
      visibleAt: 0,
      receiveCount: 0,
    });
  }

  /** Up to `max` records: each group's head (and followers) when no record of the group is in flight. */
  receive(now: number, max: number): { record: ModelMessage; queueRecord: QueueRecord }[] {
    this.requests.receive += 1;
    const taken: ModelMessage[] = [];
    const locked = new Set(this.messages.filter((m) => m.visibleAt > now).map((m) => m.group));
    const seen = new Set<string>();
    for (const message of this.messages) {
      if (taken.length >= max) break;
      if (locked.has(message.group) || seen.has(message.group)) continue;
      seen.add(message.group);
      for (const follower of this.messages.filter((m) => m.group === message.group)) {
        if (taken.length >= max) break;
        taken.push(follower);
      }
    }
    const result: { record: ModelMessage; queueRecord: QueueRecord }[] = [];
    for (const message of taken) {
      message.receiveCount += 1;
      if (message.receiveCount > this.maxReceiveCount) {
        // SQS's redrive: moved to the DLQ instead of being delivered.
        this.remove(message);
        this.deadLetters.push(message);
        continue;
      }
      message.visibleAt = now + this.visibilityTimeoutMs;
      result.push({
        record: message,
        queueRecord: { ref: message.ref, group: message.group, receiveCount: message.receiveCount },
      });
    }
    return result;
  }

  delete(message: ModelMessage): void {
    this.requests.delete += 1;
    this.receivesAtDelete.set(message.recordId, message.receiveCount);
    this.remove(message);
  }

  changeVisibility(message: ModelMessage, until: number, now: number): void {
    this.requests.changeVisibility += 1;
    message.visibleAt = now + Math.max(0, Math.ceil((until - now) / 1000)) * 1000;
  }

  /** The earliest time a hidden record becomes visible again. */
  nextVisibleAt(now: number): number | undefined {
    const times = this.messages.map((m) => m.visibleAt).filter((t) => t > now);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  get size(): number {
    return this.messages.length;
  }

  private remove(message: ModelMessage): void {
    const index = this.messages.indexOf(message);
    if (index >= 0) this.messages.splice(index, 1);
  }
}

/**
 * The per-account limiter in memory with the DynamoDB adapter's semantics (lambdas/adapters/dynamo/send-limiter.ts):
 * a reservation reads the item, computes the slot with the pure algorithm and writes back only if nobody wrote
 * since (version), else reads again; a pause never lowers `pausedUntil` and bumps the version. `io` runs before
 * each read and each write (the bench's scale model makes it take virtual time, which opens the same races).
 */
export function memorySendLimiter(
  policy: LimiterPolicy,
  io: () => Promise<void> = async () => undefined,
): SendLimiter & { items: Map<string, { state: LimiterState; version: number }>; lostRaces: number } {
  const items = new Map<string, { state: LimiterState; version: number }>();
  const read = async (id: string) => {
    await io();
    return items.get(id) ?? { state: EMPTY_LIMITER, version: 0 };
  };
  const limiter = {
    items,
    lostRaces: 0,
    async state(id: string) {
      return (await read(id)).state;
    },
    async reserve(id: string, now: number, notBefore = now) {
      for (;;) {
        const stored = await read(id);
        const { slot, state } = reserveSlot(stored.state, now, policy, notBefore);
        await io();
        if ((items.get(id)?.version ?? 0) === stored.version) {
          items.set(id, { state, version: stored.version + 1 });
          return slot;
        }
        limiter.lostRaces += 1;
      }
    },
    async pause(id: string, until: number) {
      await io();
      const stored = items.get(id) ?? { state: EMPTY_LIMITER, version: 0 };
      if ((stored.state.pausedUntil ?? 0) >= until) return;
      items.set(id, { state: pauseLimiter(stored.state, until), version: stored.version + 1 });
    },
  };
  return limiter;
}
