import type { OutboundRef } from "../../lambdas/domain/outbound/ports";
import type { QueueRecord, RecordOutcome } from "../../lambdas/domain/outbound/send";
import { MinHeap } from "./virtual-time";

interface QueuedRecord {
  readonly seq: number;
  readonly ref: OutboundRef;
  visibleAt: number;
  receiveCount: number;
}

interface Group {
  readonly id: string;
  readonly records: QueuedRecord[];
  /** When the group can next be received: all its received records visible again. */
  availableAt: number;
  inFlight: boolean;
}

/** A received record, to hand back with its outcome. */
export interface Received {
  readonly group: Group;
  readonly record: QueuedRecord;
  readonly queueRecord: QueueRecord;
}

/**
 * An SQS FIFO queue as Lambda's event source consumes it, with the semantics of the resilience tests' model
 * (test/support/outbound-fakes.ts `FifoQueueModel`): a receive takes each available group's head and its
 * followers (up to the batch size), hides them for the visibility timeout and counts the receive; a group is
 * locked while any of its records is in flight or hidden; ChangeMessageVisibility hides a record until a time
 * (whole seconds, rounded up). Indexed by group with a heap of available groups (oldest first), so a receive
 * costs O(log groups) instead of a scan: the scale model holds hundreds of thousands of records.
 */
export class IndexedFifoQueue {
  private seq = 0;
  private readonly groups = new Map<string, Group>();
  private readonly available = new MinHeap<Group>(
    (a, b) => a.availableAt < b.availableAt || (a.availableAt === b.availableAt && headSeq(a) < headSeq(b)),
  );
  size = 0;
  readonly requests = { send: 0, receive: 0, changeVisibility: 0, delete: 0 };
  /** Time from a group becoming receivable (unlocked, its head visible) to its receive, per received group. */
  readonly receiveDelaysMs: number[] = [];
  /** When each of those receives happened. */
  readonly receiveAt: number[] = [];
  readonly deadLetters: OutboundRef[] = [];

  constructor(
    private readonly visibilityTimeoutMs: number,
    private readonly maxReceiveCount: number,
  ) {}

  send(groupId: string, ref: OutboundRef, now: number): void {
    this.requests.send += 1;
    this.seq += 1;
    this.size += 1;
    let group = this.groups.get(groupId);
    if (group === undefined) {
      group = { id: groupId, records: [], availableAt: now, inFlight: false };
      this.groups.set(groupId, group);
    }
    group.records.push({ seq: this.seq, ref, visibleAt: 0, receiveCount: 0 });
    if (group.records.length === 1 && !group.inFlight) {
      group.availableAt = now;
      this.available.push(group);
    }
  }

  /** When the next group becomes receivable, if any is waiting. */
  nextAvailableAt(): number | undefined {
    return this.available.peek()?.availableAt;
  }

  /** Up to `max` records: available groups, oldest first, each with its followers. */
  receive(now: number, max: number): Received[] {
    this.requests.receive += 1;
    const batch: Received[] = [];
    for (
      let top = this.available.peek();
      top !== undefined && top.availableAt <= now && batch.length < max;
    ) {
      this.available.pop();
      this.receiveDelaysMs.push(now - top.availableAt);
      this.receiveAt.push(now);
      top.inFlight = true;
      for (const record of top.records) {
        if (batch.length >= max) break;
        record.receiveCount += 1;
        record.visibleAt = now + this.visibilityTimeoutMs;
        batch.push({
          group: top,
          record,
          queueRecord: { ref: record.ref, group: top.id, receiveCount: record.receiveCount },
        });
      }
      top = this.available.peek();
    }
    // SQS's redrive: a record past maxReceiveCount goes to the DLQ instead of being delivered.
    const delivered = batch.filter((received) => received.record.receiveCount <= this.maxReceiveCount);
    if (delivered.length < batch.length) {
      for (const received of batch.filter((r) => !delivered.includes(r))) {
        this.deadLetters.push(received.record.ref);
        this.remove(received);
        // A group left with nothing in flight is free again.
        if (!delivered.some((r) => r.group === received.group)) this.settle([], [], now, received.group);
      }
    }
    return delivered;
  }

  /** Applies a batch's outcomes as the sender's batch wiring does (defer → visibility, else delete). */
  settle(
    batch: readonly Received[],
    outcomes: readonly (RecordOutcome | undefined)[],
    now: number,
    ...freed: Group[]
  ): void {
    const touched = new Set<Group>(freed);
    // The batch wiring hides a batch's deferred records ten per ChangeMessageVisibilityBatch request.
    const deferred = outcomes.filter((outcome) => outcome?.kind === "defer").length;
    this.requests.changeVisibility += Math.ceil(deferred / 10);
    for (const [index, received] of batch.entries()) {
      const outcome = outcomes[index];
      touched.add(received.group);
      if (outcome === undefined) continue; // no answer: back after the visibility timeout
      if (outcome.kind === "defer") {
        received.record.visibleAt = now + Math.max(0, Math.ceil((outcome.until - now) / 1000)) * 1000;
      } else {
        if (outcome.kind === "dead_letter") this.deadLetters.push(received.record.ref);
        this.requests.delete += 1;
        this.remove(received);
      }
    }
    for (const group of touched) {
      group.inFlight = false;
      if (group.records.length === 0) {
        this.groups.delete(group.id);
        continue;
      }
      group.availableAt = Math.max(now, ...group.records.map((r) => r.visibleAt));
      this.available.push(group);
    }
  }

  private remove(received: Received): void {
    const index = received.group.records.indexOf(received.record);
    if (index >= 0) {
      received.group.records.splice(index, 1);
      this.size -= 1;
    }
  }
}

function headSeq(group: Group): number {
  return group.records[0]?.seq ?? Number.MAX_SAFE_INTEGER;
}
