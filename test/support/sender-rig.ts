import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { sqsClient } from "../../lambdas/adapters/sqs/client";
import { OutboundQueue } from "../../lambdas/contract/queues";
import { conversationId } from "../../lambdas/domain/conversation";
import { processBatch } from "../../lambdas/domain/outbound/batch";
import type { OutboundMessage, OutboundStore } from "../../lambdas/domain/outbound/ports";
import type { SenderDeps } from "../../lambdas/domain/outbound/send";
import { outboundWiring } from "../../lambdas/wiring/outbound";
import { TEST_KEYS } from "./keys";

export { maxInAnyHour } from "../../dev/meta-simulator/rolling-hour";

import { FifoQueueModel } from "./outbound-fakes";

/** Thrown by a rig whose process "died": every dependency call after the crash point throws this. */
export class Crash extends Error {
  constructor() {
    super("simulated process crash");
  }
}

/** A successful Meta send as the sender saw it (virtual time). */
export interface ObservedSend {
  readonly at: number;
  readonly igAccountId: string;
  readonly messageId: string;
  readonly mid: string;
}

export interface RigOptions {
  readonly tableName: string;
  readonly metaUrl: string;
  readonly cap: number;
  readonly start: number;
  /** Client timeout of the Send API adapter (the simulator's `timeout` fault outlasts it). */
  readonly metaTimeoutMs: number;
  readonly batchSize?: number;
  readonly senders?: number;
}

/**
 * The sender's real decision code with the real DynamoDB adapters and the real Send API adapter (pointed at
 * the Meta simulator), driven in virtual time through a model of the FIFO queue (visibility, receive counts,
 * group locks, redrive). The clock only moves when nothing is visible, so hours of backoff and cap waits take
 * seconds. `crashAfterMetaCall(messageId)` kills the "process" right after Meta accepted that message and
 * before the status write: the rest of the invocation never happens and its batch gets no answer.
 */
export class SenderRig {
  now: number;
  readonly queue = new FifoQueueModel(
    OutboundQueue.visibilityTimeoutSeconds * 1000,
    OutboundQueue.maxReceiveCount,
  );
  readonly sends: ObservedSend[] = [];
  readonly store: OutboundStore;
  private crashAt: { messageId: string; when: "afterMetaCall" | "afterMarkSending" } | undefined;
  private dead = false;
  crashes = 0;
  private readonly options: RigOptions;
  private readonly deps: SenderDeps;
  /** Called after every successful send (e.g. to revoke a token mid-backlog). */
  onSent: (send: ObservedSend) => void = () => undefined;

  constructor(options: RigOptions) {
    this.options = options;
    this.now = options.start;
    const clock = () => this.now;
    const hosts = { oauthUrl: options.metaUrl, apiUrl: options.metaUrl, graphUrl: options.metaUrl };
    const wiring = outboundWiring(
      {
        tableName: options.tableName,
        // The rig's queue is a model (below): the SQS side of the wiring is never called.
        queueUrl: "unused",
        capPerHour: options.cap,
        metaHosts: { ...hosts, graphVersion: "v25.0" },
        metaTimeoutMs: options.metaTimeoutMs,
      },
      { db: documentClient(), sqs: sqsClient(), now: clock, random: () => 0.5 },
    );
    const real = wiring.sender(TEST_KEYS);
    this.store = real.store;
    const meta = real.meta;
    const alive = <T>(value: T): T => {
      if (this.dead) throw new Crash();
      return value;
    };
    const store = this.store;
    // Each dependency checks whether the process already died, so nothing happens after the crash point.
    const guardedStore: OutboundStore = {
      ...store,
      get: (ref) => alive(store.get(ref)),
      markSending: async (message, slotAt, now) => {
        alive(undefined);
        const won = await store.markSending(message, slotAt, now);
        if (
          won &&
          this.crashAt?.messageId === message.messageId &&
          this.crashAt.when === "afterMarkSending"
        ) {
          this.die();
        }
        return won;
      },
      markSent: (message, mid, now) => alive(store.markSent(message, mid, now)),
      markFailed: (message, from, reason, now) => alive(store.markFailed(message, from, reason, now)),
      requeue: (message, slotAt, now) => alive(store.requeue(message, slotAt, now)),
      holdSlot: (message, slotAt) => alive(store.holdSlot(message, slotAt)),
    };
    this.deps = {
      ...real,
      store: guardedStore,
      reads: { view: (ref) => alive(real.reads?.view(ref) ?? Promise.reject(new Error("no reads"))) },
      meta: {
        send: async (request) => {
          alive(undefined);
          const result = await meta.send(request);
          if (result.ok) {
            const messageId = this.inFlight.get(request.recipientId) ?? "";
            const observed = { at: this.now, igAccountId: request.igAccountId, messageId, mid: result.mid };
            this.sends.push(observed);
            this.onSent(observed);
            if (this.crashAt?.messageId === messageId && this.crashAt.when === "afterMetaCall") this.die();
          }
          return alive(result);
        },
      },
    };
  }

  /** The message whose send is in progress, by recipient (one conversation per recipient in these tests). */
  private readonly inFlight = new Map<string, string>();

  crashAfterMetaCall(messageId: string): void {
    this.crashAt = { messageId, when: "afterMetaCall" };
  }

  crashAfterMarkSending(messageId: string): void {
    this.crashAt = { messageId, when: "afterMarkSending" };
  }

  private die(): void {
    this.dead = true;
    this.crashes += 1;
    this.crashAt = undefined;
  }

  /** Stores a queued message and enqueues its record, as message-send does. */
  async accept(message: Omit<OutboundMessage, "status" | "acceptedAt" | "attempts">): Promise<void> {
    await this.store.create({ ...message, status: "queued", acceptedAt: this.now, attempts: 0 });
    // The body message-send enqueues: the message's key and the keys the sender reads with it.
    this.queue.send(conversationId(message.igAccountId, message.igsid), {
      imoId: message.imoId,
      messageId: message.messageId,
      userId: message.userId,
      igAccountId: message.igAccountId,
      igsid: message.igsid,
    });
  }

  /**
   * Runs invocations until the queue is empty. A crashed invocation answers nothing: its records stay hidden
   * until the visibility timeout and come back with a higher receive count, to a fresh "process".
   */
  async drain(maxSteps = 50_000): Promise<void> {
    for (let step = 0; this.queue.size > 0; step += 1) {
      if (step > maxSteps) throw new Error("the backlog does not drain");
      if (!(await this.step())) break;
    }
  }

  /** Called whenever the virtual clock jumps to the next visible record (e.g. to change Meta's state then). */
  onClock: (now: number) => void = () => undefined;

  /** One round: every sender takes a batch, or the clock moves to the next visible record. False when idle for good. */
  async step(): Promise<boolean> {
    const batchSize = this.options.batchSize ?? 1;
    const senders = this.options.senders ?? 2;
    const batches = Array.from({ length: senders }, () => this.queue.receive(this.now, batchSize)).filter(
      (batch) => batch.length > 0,
    );
    if (batches.length === 0) {
      const next = this.queue.nextVisibleAt(this.now);
      if (next === undefined) return false;
      this.now = next;
      this.onClock(next);
      return true;
    }
    await Promise.all(
      batches.map(async (batch) => {
        for (const { queueRecord } of batch) {
          const message = await this.store.get(queueRecord.ref);
          if (message) this.inFlight.set(message.igsid, message.messageId);
        }
        const outcomes = await processBatch(
          batch.map((b) => b.queueRecord),
          this.deps,
        );
        if (this.dead) {
          // The process died during this invocation: no batch response, nothing deleted or re-hidden.
          this.dead = false;
          return;
        }
        for (const [index, { record }] of batch.entries()) {
          const outcome = outcomes[index];
          if (outcome?.kind === "defer") this.queue.changeVisibility(record, outcome.until, this.now);
          else if (outcome?.kind === "dead_letter") {
            this.queue.delete(record);
            this.queue.deadLetters.push(record);
          } else if (outcome) this.queue.delete(record);
        }
      }),
    );
    this.now += 150;
    return true;
  }
}
