import { pathToFileURL } from "node:url";
import { maxInAnyHour } from "../dev/meta-simulator/rolling-hour";
import { OutboundQueue, SENDING_LEASE_MS } from "../lambdas/contract/queues";
import { conversationId } from "../lambdas/domain/conversation";
import type { Integration } from "../lambdas/domain/integration";
import { cachingAppWideState, processBatch } from "../lambdas/domain/outbound/batch";
import { HOUR_MS, limiterPolicy, type SlotRun } from "../lambdas/domain/outbound/limiter";
import type { SendLimiter } from "../lambdas/domain/outbound/ports";
import { APP_WIDE_LIMITER, DEFAULT_RETRY } from "../lambdas/domain/outbound/retry";
import type { SenderDeps } from "../lambdas/domain/outbound/send";
import {
  fixedWindows,
  memoryIntegrations,
  memoryOutboundStore,
  memorySendLimiter,
} from "../test/support/outbound-fakes";
import { IndexedFifoQueue, type Received } from "./support/fifo-queue";
import { percentile } from "./support/stats";
import { logNormal, seededRandom, settle, VirtualClock } from "./support/virtual-time";

/**
 * The scale model (`npm run bench -- --only scale`): can the sender keep 10,000 accounts at the full cap?
 * Virtual time; the real sender code (`processBatch` → `processRecord`, lambdas/domain/outbound) on in-memory
 * ports with the DynamoDB adapters' semantics (test/support/outbound-fakes.ts), each call taking `dynamoMs`;
 * a FIFO queue model consumed as Lambda's event source does (batch size, `maxConcurrency` invocations at most,
 * group locks, visibility, receive counts); Meta answering every send after a log-normal latency.
 *
 * Load: every account is connected and backlogged: its limiter holds a full hour at the cap (evenly spaced,
 * random phase: as if it had been sending at the cap for the last hour) and its queue holds more messages than
 * the cap lets out during the run, spread over 1–`maxConversations` conversations. So the cap binds from the
 * first second, and the model shows whether the sender delivers every slot the cap allows, on time.
 */
export interface ScaleOptions {
  readonly accounts: number;
  readonly virtualMinutes: number;
  readonly cap: number;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly maxConversations: number;
  readonly metaP50Ms: number;
  readonly metaP99Ms: number;
  /** Each DynamoDB call (read or write) takes this long. */
  readonly dynamoMs: number;
  /** Each SQS call of the batch wiring (ChangeMessageVisibilityBatch for the deferred records) takes this long. */
  readonly sqsMs: number;
  /** Lambda's own overhead per invocation. */
  readonly invokeOverheadMs: number;
  readonly seed: number;
}

export const defaultScaleOptions: ScaleOptions = {
  accounts: 10_000,
  virtualMinutes: 5,
  cap: 200,
  batchSize: OutboundQueue.batchSize,
  maxConcurrency: OutboundQueue.maxConcurrency,
  maxConversations: 20,
  metaP50Ms: 300,
  metaP99Ms: 1500,
  dynamoMs: 8,
  sqsMs: 15,
  invokeOverheadMs: 10,
  seed: 19,
};

export interface ScaleRow {
  readonly options: ScaleOptions;
  readonly sends: number;
  readonly sendsPerSecond: number;
  /** What the cap allows all accounts together: accounts × cap per hour. */
  readonly capSendsPerSecond: number;
  /**
   * Per account: its sends per hour of slots, as a fraction of the cap: (sends − 1) / (last slot − first slot)
   * of the messages it sent in the run. Slot times, not call times: a call is up to the grace after its slot,
   * which over a few minutes' run would be noise; a slot missed (the call later than the grace) is re-reserved at
   * the end of the line and shows as a lower rate.
   */
  readonly utilisation: { readonly min: number; readonly p1: number; readonly median: number };
  /** The limiter's own ceiling, cap per (window + grace): what a perfectly punctual sender reaches. */
  readonly limiterCeiling: number;
  readonly accountsBelow99: number;
  /** Accounts whose sends (the seeded hour and the run) put more than `cap` in some rolling hour. */
  readonly capViolations: number;
  readonly maxSendsInAnyHour: number;
  /** Time from a conversation becoming receivable to its receive, after the first minute (the start's rush). */
  readonly queueAgeMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** The same over the whole run, including the first minute (every conversation receivable at once). */
  readonly queueAgeWithRushMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Time from a message's slot to its Meta call (must stay under the grace, else the slot is lost). */
  readonly slotLatenessMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly invocations: number;
  readonly invocationsPerSecond: number;
  readonly recordsPerInvocation: number;
  readonly invocationMs: { readonly p50: number; readonly p99: number };
  readonly concurrency: { readonly peak: number; readonly mean: number };
  /** Reads of the app-wide limiter item (the one item every send reads). */
  readonly appWideReadsPerSecond: { readonly mean: number; readonly peak: number };
  readonly sqsPerSend: {
    readonly receives: number;
    readonly changeVisibility: number;
    readonly deletes: number;
  };
  readonly metaMs: { readonly p50: number; readonly p99: number };
  readonly lostLimiterRaces: number;
  /** Records handled, by the sender's result (sent, waiting_for_cap, behind_earlier_message, …). */
  readonly recordResults: Record<string, number>;
  readonly realSeconds: number;
}

/** Accounts whose send times put more than `cap` sends in some rolling hour (the oracle of the resilience tests). */
export function capViolations(sendsByAccount: ReadonlyMap<string, readonly number[]>, cap: number) {
  const violating: string[] = [];
  let worst = 0;
  for (const [account, times] of sendsByAccount) {
    const most = maxInAnyHour(times);
    worst = Math.max(worst, most);
    if (most > cap) violating.push(account);
  }
  return { violating, worst };
}

const START = Date.UTC(2026, 10, 30, 9, 0, 0);

export async function scale(options: ScaleOptions = defaultScaleOptions): Promise<ScaleRow> {
  const startedAt = performance.now();
  const clock = new VirtualClock(START);
  const random = seededRandom(options.seed);
  const metaLatency = logNormal(random, options.metaP50Ms, options.metaP99Ms);
  const policy = limiterPolicy(options.cap);
  const spacing = policy.windowMs + policy.graceMs;
  const io = () => clock.sleep(options.dynamoMs);

  const memoryStore = memoryOutboundStore();
  const integrations = memoryIntegrations(
    Array.from({ length: options.accounts }, (_, i) => integrationOf(i)),
  );
  const limiter = memorySendLimiter(policy, io);
  const sendsByAccount = new Map<string, number[]>();
  const runSends = new Map<string, number[]>();
  const lateness: number[] = [];
  const slotsByAccount = new Map<string, number[]>();
  const metaMs: number[] = [];
  const appReadsBySecond = new Map<number, number>();

  // The seeded hour: `cap` sends per account, evenly spaced over the last window + grace, random phase.
  for (let i = 0; i < options.accounts; i += 1) {
    const account = accountId(i);
    const phase = random();
    const times = Array.from(
      { length: options.cap },
      (_, k) => START - spacing + Math.floor(((k + phase) * spacing) / options.cap),
    );
    const runs: SlotRun[] = times.map((at) => [at, 1]);
    limiter.items.set(account, { state: { runs }, version: 1 });
    sendsByAccount.set(account, [...times]);
  }

  const store = delayed(memoryStore, io);
  const countingLimiter: SendLimiter = {
    state(id) {
      if (id === APP_WIDE_LIMITER) {
        const second = Math.floor((clock.now - START) / 1000);
        appReadsBySecond.set(second, (appReadsBySecond.get(second) ?? 0) + 1);
      }
      return limiter.state(id);
    },
    reserve(id, now, notBefore) {
      return limiter.reserve(id, now, notBefore);
    },
    pause: (id, until) => limiter.pause(id, until),
  };
  let mids = 0;
  const deps: SenderDeps = {
    store: {
      ...store,
      async markSending(message, slotAt, now) {
        const won = await store.markSending(message, slotAt, now);
        if (won) {
          lateness.push(now - slotAt);
          const slots = slotsByAccount.get(message.igAccountId) ?? [];
          slots.push(slotAt);
          slotsByAccount.set(message.igAccountId, slots);
        }
        return won;
      },
    },
    integrations: delayed(integrations, io),
    conversations: delayed(fixedWindows(START - 60_000), io),
    limiter: countingLimiter,
    meta: {
      async send(request) {
        // Meta counts the call when it arrives: the cap is checked on call times.
        const at = clock.now;
        sendsByAccount.get(request.igAccountId)?.push(at);
        const mine = runSends.get(request.igAccountId) ?? [];
        mine.push(at);
        runSends.set(request.igAccountId, mine);
        const latency = metaLatency();
        metaMs.push(latency);
        await clock.sleep(latency);
        mids += 1;
        return { ok: true, mid: `m_${mids}` };
      },
    },
    accessToken: () => "IGAA-scale-model",
    now: () => clock.now,
    random,
    limits: policy,
    retry: DEFAULT_RETRY,
    maxReceiveCount: OutboundQueue.maxReceiveCount,
    sendingLeaseMs: SENDING_LEASE_MS,
  };

  // Backlogs: more than the cap lets out during the run (+ one per conversation), accepted before the start.
  const queue = new IndexedFifoQueue(
    OutboundQueue.visibilityTimeoutSeconds * 1000,
    OutboundQueue.maxReceiveCount,
  );
  const perAccount = Math.ceil((options.cap * options.virtualMinutes * 60_000) / HOUR_MS) + 5;
  const conversations = Array.from(
    { length: options.accounts },
    () => 1 + Math.floor(random() ** 2 * options.maxConversations),
  );
  for (let m = 0; m < perAccount + options.maxConversations; m += 1) {
    for (let i = 0; i < options.accounts; i += 1) {
      const count = conversations[i] ?? 1;
      if (m >= perAccount + count) continue;
      const account = accountId(i);
      const igsid = `${9_000_000_000 + i * 100 + (m % count)}`;
      const messageId = `a${i}-m${m}`;
      await memoryStore.create({
        imoId: `imo-${i}`,
        userId: `user-${i}`,
        igAccountId: account,
        igsid,
        messageId,
        status: "queued",
        content: { text: "scale model" },
        acceptedAt: START - 60_000,
        attempts: 0,
      });
      queue.send(conversationId(account, igsid), { imoId: `imo-${i}`, messageId }, START);
    }
  }

  // Lambda's event source: at most maxConcurrency invocations, each given one batch as soon as one is there.
  const end = START + options.virtualMinutes * 60_000;
  let running = 0;
  let peak = 0;
  let busyIntegral = 0;
  let lastTick = START;
  let invocations = 0;
  let records = 0;
  const invocationMs: number[] = [];
  const results = new Map<string, number>();
  // Warm sender instances, each with its own app-wide state cache (as the wiring builds it per container).
  const idle: SendLimiter[] = [];
  const invoke = async (batch: Received[]) => {
    const began = clock.now;
    const instance = idle.pop() ?? cachingAppWideState(countingLimiter, () => clock.now);
    await clock.sleep(options.invokeOverheadMs);
    const startBefore = began + OutboundQueue.senderTimeoutSeconds * 1000 - OutboundQueue.stopStartingMs;
    const outcomes = await processBatch(
      batch.map((b) => b.queueRecord),
      { ...deps, limiter: instance },
      { startBefore },
    );
    for (const outcome of outcomes) results.set(outcome.result, (results.get(outcome.result) ?? 0) + 1);
    // The batch wiring's SQS calls: the deferred records' visibility, ten per request.
    const sqsCalls = Math.ceil(outcomes.filter((o) => o.kind === "defer").length / 10);
    if (sqsCalls > 0) await clock.sleep(sqsCalls * options.sqsMs);
    queue.settle(batch, outcomes, clock.now);
    invocationMs.push(clock.now - began);
    idle.push(instance);
    running -= 1;
  };
  const tick = (to: number) => {
    busyIntegral += running * (to - lastTick);
    lastTick = to;
  };

  for (;;) {
    while (running < options.maxConcurrency && (queue.nextAvailableAt() ?? Infinity) <= clock.now) {
      const batch = queue.receive(clock.now, options.batchSize);
      if (batch.length === 0) break;
      running += 1;
      invocations += 1;
      records += batch.length;
      peak = Math.max(peak, running);
      void invoke(batch);
    }
    await settle();
    const timer = clock.next();
    const available = running < options.maxConcurrency ? queue.nextAvailableAt() : undefined;
    const next = Math.min(timer ?? Infinity, available ?? Infinity);
    if (!Number.isFinite(next) || next >= end) break;
    if (next > clock.now) {
      tick(next);
      clock.advanceTo(next);
    }
  }
  tick(end);

  const seconds = options.virtualMinutes * 60;
  const runTotal = [...runSends.values()].reduce((sum, times) => sum + times.length, 0);
  const rates = [...Array(options.accounts).keys()].map((i) => {
    const times = (slotsByAccount.get(accountId(i)) ?? []).sort((a, b) => a - b);
    const first = times[0];
    const last = times[times.length - 1];
    if (first === undefined || last === undefined || last === first) return 0;
    return (((times.length - 1) / (last - first)) * HOUR_MS) / options.cap;
  });
  const check = capViolations(sendsByAccount, options.cap);
  const appReads = [...appReadsBySecond.values()];
  const sent = Math.max(1, runTotal);
  return {
    options,
    sends: runTotal,
    sendsPerSecond: runTotal / seconds,
    capSendsPerSecond: (options.accounts * options.cap) / 3600,
    utilisation: {
      min: Math.min(...rates),
      p1: percentile(rates, 1),
      median: percentile(rates, 50),
    },
    limiterCeiling: HOUR_MS / spacing,
    accountsBelow99: rates.filter((r) => r < 0.99).length,
    capViolations: check.violating.length,
    maxSendsInAnyHour: check.worst,
    queueAgeMs: spread(queue.receiveDelaysMs.filter((_, i) => (queue.receiveAt[i] ?? 0) >= START + 60_000)),
    queueAgeWithRushMs: spread(queue.receiveDelaysMs),
    slotLatenessMs: spread(lateness),
    invocations,
    invocationsPerSecond: invocations / seconds,
    recordsPerInvocation: records / Math.max(1, invocations),
    invocationMs: { p50: percentile(invocationMs, 50), p99: percentile(invocationMs, 99) },
    concurrency: { peak, mean: busyIntegral / (end - START) },
    appWideReadsPerSecond: {
      mean: appReads.reduce((a, b) => a + b, 0) / seconds,
      peak: Math.max(0, ...appReads),
    },
    sqsPerSend: {
      receives: queue.requests.receive / sent,
      changeVisibility: queue.requests.changeVisibility / sent,
      deletes: queue.requests.delete / sent,
    },
    metaMs: { p50: percentile(metaMs, 50), p99: percentile(metaMs, 99) },
    lostLimiterRaces: limiter.lostRaces,
    recordResults: Object.fromEntries(results),
    realSeconds: (performance.now() - startedAt) / 1000,
  };
}

function spread(values: readonly number[]) {
  let max = 0;
  for (const v of values) max = Math.max(max, v);
  return { p50: percentile(values, 50), p99: percentile(values, 99), max };
}

function accountId(i: number): string {
  return `1784140${String(i).padStart(10, "0")}`;
}

function integrationOf(i: number): Integration {
  return {
    imoId: `imo-${i}`,
    userId: `user-${i}`,
    igAccountId: accountId(i),
    appScopedUserId: `2691338${String(i).padStart(10, "0")}`,
    username: `shop${i}`,
    accountType: "BUSINESS",
    status: "connected",
    connectedAt: START - HOUR_MS,
    updatedAt: START - HOUR_MS,
    version: 1,
  };
}

/** The port with every method taking `io()` first: a DynamoDB round trip in virtual time. */
function delayed<T extends object>(port: T, io: () => Promise<void>): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(port)) {
    wrapped[name] =
      typeof value === "function"
        ? async (...args: unknown[]) => {
            await io();
            return (value as (...a: unknown[]) => unknown).apply(port, args);
          }
        : value;
  }
  return wrapped as T;
}

/** `tsx bench/scale.ts [accounts] [minutes]`: one run, printed as JSON. */
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const accounts = Number(process.argv[2] ?? defaultScaleOptions.accounts);
  const virtualMinutes = Number(process.argv[3] ?? defaultScaleOptions.virtualMinutes);
  const row = await scale({ ...defaultScaleOptions, accounts, virtualMinutes });
  process.stdout.write(`${JSON.stringify(row, null, 2)}\n`);
}
