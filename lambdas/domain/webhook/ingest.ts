import { messageEffect } from "./conversation-effect";
import {
  type Delivery,
  isStorable,
  type MessageEvent,
  type PostbackEvent,
  type StorableEvent,
  type WebhookEvent,
} from "./events";
import { forEachLimited } from "./limited";
import { messageRecord, reactionOf } from "./message-record";
import type { ConversationRef, IngestDependencies, IngestSummary, NewMessage, WriteOutcome } from "./ports";
import { messageIdOf, tapOf } from "./taps";

/** The metric names of ingestion (CloudWatch, through the `count` port). */
export const Metric = {
  eventStored: "WebhookEventStored",
  eventDuplicate: "WebhookEventDuplicate",
  eventStale: "WebhookEventStale",
  entryUnrouted: "WebhookEntryUnrouted",
  eventUnknown: "WebhookEventUnknown",
  eventMalformed: "WebhookEventMalformed",
  changeIgnored: "WebhookChangeIgnored",
  echoMatched: "WebhookEchoMatched",
  standbyEvent: "WebhookStandbyEvent",
  signatureInvalid: "WebhookSignatureInvalid",
} as const;

interface Task {
  readonly imoId: string;
  readonly event: StorableEvent;
}

/**
 * Stores a verified delivery: routes each entry to the organisations whose live integration owns the
 * account, then applies every event once per organisation. Conversations are written in parallel (bounded)
 * and each conversation's events one after another, so writes to one conversation never contend. Resolves
 * only when every write is durable; any failure rejects, so the handler answers 5xx and Meta retries.
 */
export async function ingestDelivery(delivery: Delivery, deps: IngestDependencies): Promise<IngestSummary> {
  const tally: Tally = {
    events: 0,
    stored: 0,
    duplicates: 0,
    stale: 0,
    unrouted: 0,
    unknown: 0,
    malformed: 0,
    ignoredChanges: 0,
  };
  const owners = await ownersOf(delivery, deps);
  const groups = groupByConversation(delivery, owners, tally, deps);
  const record = (outcome: WriteOutcome) => {
    if (outcome === "applied") tally.stored += 1;
    else if (outcome === "duplicate") tally.duplicates += 1;
    else tally.stale += 1;
  };
  await forEachLimited([...groups.values()], deps.concurrency, async (tasks) => {
    const ordered = [...tasks].sort((a, b) => a.event.timestamp - b.event.timestamp);
    for (const run of runsOf(ordered)) {
      // The ad that started a thread is recorded before its message moves the window anchor.
      for (const { imoId, event } of run) {
        if (event.kind === "message" && startsFromAd(event)) {
          const ref = { imoId, igAccountId: event.igAccountId, igsid: event.igsid };
          await deps.store.recordAdReferral(ref, event.referral ?? {}, event.timestamp);
        }
      }
      if (run.length > 1) {
        const batch = await Promise.all(
          run.map(({ imoId, event }) => newMessage(imoId, event as MessageEvent | PostbackEvent, deps)),
        );
        for (const outcome of await deps.store.recordMessages(batch)) record(outcome);
      } else if (run[0] !== undefined) {
        record(await applyEvent(run[0].imoId, run[0].event, deps));
      }
    }
  });
  if (deps.profiles !== undefined) await deps.profiles.request(customersWhoWrote(groups));
  if (tally.stored > 0) deps.count(Metric.eventStored, tally.stored);
  if (tally.duplicates > 0) deps.count(Metric.eventDuplicate, tally.duplicates);
  if (tally.stale > 0) deps.count(Metric.eventStale, tally.stale);
  return { ...tally };
}

/** New customer messages written in one transaction at most (DynamoDB allows 100 items per transaction). */
const MESSAGE_RUN = 25;

function isNewCustomerMessage(event: StorableEvent): event is MessageEvent | PostbackEvent {
  return event.kind === "postback" || (event.kind === "message" && event.direction === "inbound");
}

/**
 * Splits a conversation's time-ordered tasks into runs: consecutive new customer messages (distinct ids,
 * up to MESSAGE_RUN) are written together; every other event is a run of its own.
 */
function runsOf(tasks: readonly Task[]): Task[][] {
  const runs: Task[][] = [];
  let current: Task[] = [];
  let ids = new Set<string>();
  const close = () => {
    if (current.length > 0) runs.push(current);
    current = [];
    ids = new Set();
  };
  for (const task of tasks) {
    const event = task.event;
    if (!isNewCustomerMessage(event)) {
      close();
      runs.push([task]);
      continue;
    }
    const id = messageIdOf(event);
    if (ids.has(id) || current.length === MESSAGE_RUN) close();
    current.push(task);
    ids.add(id);
  }
  close();
  return runs;
}

/**
 * Every conversation with a customer message in this delivery, stored now or before (a redelivery still asks:
 * the first attempt may have stored it and crashed before asking; the store's guard keeps that cheap).
 */
function customersWhoWrote(groups: ReadonlyMap<string, readonly Task[]>): ConversationRef[] {
  const refs: ConversationRef[] = [];
  for (const tasks of groups.values()) {
    const task = tasks.find(({ event }) => isNewCustomerMessage(event));
    if (task !== undefined) {
      refs.push({ imoId: task.imoId, igAccountId: task.event.igAccountId, igsid: task.event.igsid });
    }
  }
  return refs;
}

async function newMessage(
  imoId: string,
  event: MessageEvent | PostbackEvent,
  deps: IngestDependencies,
): Promise<NewMessage> {
  const ref = { imoId, igAccountId: event.igAccountId, igsid: event.igsid };
  return {
    message: messageRecord(ref, event, await tapOf(ref, event, deps.taps)),
    effect: messageEffect(event),
  };
}

type Tally = { -readonly [K in keyof IngestSummary]: IngestSummary[K] };

/** The connected organisations of every account with something to store (the Test payload costs no lookup). */
async function ownersOf(
  delivery: Delivery,
  deps: IngestDependencies,
): Promise<Map<string, readonly string[]>> {
  const accounts = new Set(
    delivery.entries.filter((entry) => entry.events.some(isStorable)).map((entry) => entry.igAccountId),
  );
  const owners = new Map<string, readonly string[]>();
  await forEachLimited([...accounts], deps.concurrency, async (account) => {
    owners.set(account, await deps.routing.owningOrganisations(account));
  });
  return owners;
}

/** One task per event and owning organisation, grouped by conversation; everything else is counted here. */
function groupByConversation(
  delivery: Delivery,
  owners: ReadonlyMap<string, readonly string[]>,
  tally: Tally,
  deps: IngestDependencies,
): Map<string, Task[]> {
  const groups = new Map<string, Task[]>();
  let unroutedEntries = 0;
  for (const entry of delivery.entries) {
    if (entry.ignoredChanges.length > 0) {
      tally.ignoredChanges += entry.ignoredChanges.length;
      deps.count(Metric.changeIgnored, entry.ignoredChanges.length);
      deps.log("webhook changes ignored", { fields: entry.ignoredChanges });
    }
    const organisations = owners.get(entry.igAccountId) ?? [];
    if (organisations.length === 0 && entry.events.some(isStorable)) unroutedEntries += 1;
    for (const event of entry.events) {
      tally.events += 1;
      if (!isStorable(event)) {
        reportUnstorable(event, tally, deps);
        continue;
      }
      if (event.channel === "standby") deps.count(Metric.standbyEvent);
      if (organisations.length === 0) tally.unrouted += 1;
      for (const imoId of organisations) {
        const key = `${imoId}#${event.igAccountId}#${event.igsid}`;
        const group = groups.get(key) ?? [];
        group.push({ imoId, event });
        groups.set(key, group);
      }
    }
  }
  if (unroutedEntries > 0) {
    deps.count(Metric.entryUnrouted, unroutedEntries);
    deps.log("webhook entries for accounts without a live integration dropped", {
      entries: unroutedEntries,
      events: tally.unrouted,
    });
  }
  return groups;
}

function reportUnstorable(
  event: Exclude<WebhookEvent, StorableEvent>,
  tally: { unknown: number; malformed: number },
  deps: IngestDependencies,
): void {
  if (event.kind === "unknown") {
    tally.unknown += 1;
    deps.count(Metric.eventUnknown);
    deps.log("unknown webhook event acknowledged", { fields: event.fields, channel: event.channel });
  } else {
    tally.malformed += 1;
    deps.count(Metric.eventMalformed);
    deps.log("malformed webhook event acknowledged", {
      eventKind: event.eventKind,
      paths: event.paths,
      channel: event.channel,
    });
  }
}

/** Applies one event for one organisation; the dispatch map from event kind to its write. */
async function applyEvent(
  imoId: string,
  event: StorableEvent,
  deps: IngestDependencies,
): Promise<WriteOutcome> {
  const ref: ConversationRef = { imoId, igAccountId: event.igAccountId, igsid: event.igsid };
  const { store } = deps;
  switch (event.kind) {
    case "message":
      if (event.direction === "outbound") {
        const echo = await store.confirmEcho(ref, event.mid, messageEffect(event));
        if (echo === "matched") {
          deps.count(Metric.echoMatched);
          return "applied";
        }
      }
      return store.recordMessage(
        messageRecord(ref, event, await tapOf(ref, event, deps.taps)),
        messageEffect(event),
      );
    case "postback":
      return store.recordMessage(
        messageRecord(ref, event, await tapOf(ref, event, deps.taps)),
        messageEffect(event),
      );
    case "message_deleted":
      return store.markDeleted({ ...ref, mid: event.mid }, event.timestamp);
    case "message_edit":
      return store.applyEdit({ ...ref, mid: event.mid }, event.text, event.editCount, event.timestamp);
    case "reaction":
      return store.applyReaction({ ...ref, mid: event.mid }, event.actorId, reactionOf(event));
    case "read":
      return store.applyRead({ ...ref, mid: event.mid }, event.timestamp);
    case "optin":
      return store.recordConversationFact(ref, "optin", event.optin, event.timestamp);
    case "referral":
      return store.recordConversationFact(ref, "lastReferral", event.referral, event.timestamp);
  }
}

/** A customer message on our channel that carries an ad referral (`source: ADS`): it may start an ad thread. */
function startsFromAd(event: MessageEvent): boolean {
  return event.direction === "inbound" && event.channel === "messaging" && event.referral?.source === "ADS";
}
