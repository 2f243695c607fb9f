import { describe, expect, it } from "vitest";
import type { MessageRecord } from "../../lambdas/domain/message";
import { ingestDelivery, Metric } from "../../lambdas/domain/webhook/ingest";
import { forEachLimited } from "../../lambdas/domain/webhook/limited";
import { parseDelivery } from "../../lambdas/domain/webhook/parse";
import type { InboundStore, IngestDependencies } from "../../lambdas/domain/webhook/ports";
import {
  ACCOUNT,
  deliveryOf,
  echo,
  fixtureText,
  fromBusiness,
  fromCustomer,
  midOf,
  text,
} from "../support/webhook-fixtures";

/** An in-memory store that records calls (prepare). */
function recordingStore(options: { echoMatches?: boolean; failOn?: string } = {}) {
  const calls: { method: string; imoId: string; messageId?: string }[] = [];
  const batches: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const track = async (method: string, imoId: string, messageId?: string) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1));
    inFlight -= 1;
    if (messageId !== undefined && messageId === options.failOn) throw new Error("storage down");
    calls.push({ method, imoId, ...(messageId === undefined ? {} : { messageId }) });
  };
  const store: InboundStore = {
    recordMessage: async (message: MessageRecord) => {
      await track("recordMessage", message.imoId, message.messageId);
      return "applied";
    },
    recordAdReferral: async (ref) => {
      await track("recordAdReferral", ref.imoId);
      return "applied";
    },
    recordMessages: async (batch) => {
      batches.push(batch.length);
      const outcomes: "applied"[] = [];
      for (const { message } of batch) {
        await track("recordMessages", message.imoId, message.messageId);
        outcomes.push("applied");
      }
      return outcomes;
    },
    confirmEcho: async (ref, mid) => {
      await track("confirmEcho", ref.imoId, mid);
      return options.echoMatches ? "matched" : "unmatched";
    },
    markDeleted: async (t) => {
      await track("markDeleted", t.imoId, t.mid);
      return "applied";
    },
    applyEdit: async (t) => {
      await track("applyEdit", t.imoId, t.mid);
      return "applied";
    },
    applyReaction: async (t) => {
      await track("applyReaction", t.imoId, t.mid);
      return "applied";
    },
    applyRead: async (t) => {
      await track("applyRead", t.imoId, t.mid);
      return "applied";
    },
    recordConversationFact: async (ref) => {
      await track("fact", ref.imoId);
      return "applied";
    },
  };
  return { store, calls, batches, maxInFlight: () => maxInFlight };
}

function dependencies(store: InboundStore, owners: Record<string, string[]>) {
  const metrics: Record<string, number> = {};
  const logs: { message: string; attributes: Record<string, unknown> }[] = [];
  const deps: IngestDependencies = {
    store,
    routing: { owningOrganisations: async (account) => owners[account] ?? [] },
    count: (name, value = 1) => {
      metrics[name] = (metrics[name] ?? 0) + value;
    },
    log: (message, attributes) => logs.push({ message, attributes }),
    concurrency: 4,
  };
  return { deps, metrics, logs };
}

describe("ingestDelivery", () => {
  it("gives each organisation owning the account its own copy of every event", async () => {
    const { store, calls } = recordingStore();
    const { deps, metrics } = dependencies(store, { [ACCOUNT]: ["imo-a", "imo-b"] });
    const summary = await ingestDelivery(parseDelivery(fixtureText("ig-message-text.json")), deps);
    expect(calls.map((c) => c.imoId).sort()).toEqual(["imo-a", "imo-b"]);
    expect(summary).toMatchObject({ events: 1, stored: 2 });
    expect(metrics[Metric.eventStored]).toBe(2);
  });

  it("drops events of an account no connected integration owns, with a metric, writing nothing", async () => {
    const { store, calls } = recordingStore();
    const { deps, metrics } = dependencies(store, {});
    const summary = await ingestDelivery(parseDelivery(fixtureText("ig-message-text.json")), deps);
    expect(calls).toEqual([]);
    expect(summary.unrouted).toBe(1);
    expect(metrics[Metric.entryUnrouted]).toBe(1);
  });

  it("counts and logs unknown and malformed events by field name only, and stores the rest", async () => {
    const { store, calls } = recordingStore();
    const { deps, metrics, logs } = dependencies(store, { [ACCOUNT]: ["imo-a"] });
    const body = deliveryOf([
      fromCustomer(1, { mystery_event: { secret: "personal data" } }),
      fromCustomer(2, { message: { text: "no mid, personal data" } }),
      fromCustomer(3, text(midOf(1), "hello")),
    ]);
    const summary = await ingestDelivery(parseDelivery(body), deps);
    expect(summary).toMatchObject({ events: 3, stored: 1, unknown: 1, malformed: 1 });
    expect(metrics[Metric.eventUnknown]).toBe(1);
    expect(metrics[Metric.eventMalformed]).toBe(1);
    expect(calls).toHaveLength(1);
    expect(JSON.stringify(logs)).not.toContain("personal data");
    expect(JSON.stringify(logs)).toContain("mystery_event");
  });

  it("the dashboard Test payload is acknowledged and ignored", async () => {
    const { store, calls } = recordingStore();
    const { deps, metrics } = dependencies(store, { [ACCOUNT]: ["imo-a"], "0": ["imo-a"] });
    const summary = await ingestDelivery(parseDelivery(fixtureText("ig-dashboard-test.json")), deps);
    expect(calls).toEqual([]);
    expect(summary).toMatchObject({ events: 0, ignoredChanges: 1 });
    expect(metrics[Metric.changeIgnored]).toBe(1);
  });

  it("matches echoes of our own sends first, and stores unmatched echoes as messages", async () => {
    const matched = recordingStore({ echoMatches: true });
    await ingestDelivery(
      parseDelivery(deliveryOf([fromBusiness(1, echo(midOf(9), "hi"))])),
      dependencies(matched.store, { [ACCOUNT]: ["imo-a"] }).deps,
    );
    expect(matched.calls.map((c) => c.method)).toEqual(["confirmEcho"]);
    const unmatched = recordingStore({ echoMatches: false });
    await ingestDelivery(
      parseDelivery(deliveryOf([fromBusiness(1, echo(midOf(9), "hi"))])),
      dependencies(unmatched.store, { [ACCOUNT]: ["imo-a"] }).deps,
    );
    expect(unmatched.calls.map((c) => c.method)).toEqual(["confirmEcho", "recordMessage"]);
  });

  it("writes conversations in parallel (bounded) and each conversation's events in time order", async () => {
    const { store, calls, maxInFlight } = recordingStore();
    const { deps } = dependencies(store, { [ACCOUNT]: ["imo-a"] });
    const events = Array.from({ length: 40 }, (_, i) =>
      fromCustomer(1000 - i, text(midOf(i), `m${i}`), String(100 + (i % 8))),
    );
    await ingestDelivery(parseDelivery(deliveryOf(events)), deps);
    expect(calls).toHaveLength(40);
    expect(maxInFlight()).toBeGreaterThan(1);
    expect(maxInFlight()).toBeLessThanOrEqual(4);
    const customer100 = calls.filter((c) =>
      ["0", "8", "16", "24", "32"].some((i) => c.messageId === midOf(i)),
    );
    expect(customer100.map((c) => c.messageId)).toEqual([32, 24, 16, 8, 0].map(midOf));
  });

  it("writes runs of new customer messages of one conversation together (distinct mids, at most 25)", async () => {
    const { store, calls, batches } = recordingStore();
    const { deps } = dependencies(store, { [ACCOUNT]: ["imo-a"] });
    const events = [
      // Times from 1 ms: `timestamp: 0` is a malformed event.
      ...Array.from({ length: 30 }, (_, i) => fromCustomer(i + 1, text(midOf(i), `m${i}`))),
      fromCustomer(31, text(midOf(29), "the same mid again")),
      fromCustomer(32, { message_edit: { mid: midOf(1), text: "e", num_edit: 1 } }),
      fromCustomer(33, text(midOf(40), "after the edit")),
      fromBusiness(34, echo(midOf(41), "echo")),
    ];
    await ingestDelivery(parseDelivery(deliveryOf(events)), deps);
    expect(batches).toEqual([25, 5]);
    expect(calls.map((c) => c.method).slice(30)).toEqual([
      "recordMessage",
      "applyEdit",
      "recordMessage",
      "confirmEcho",
      "recordMessage",
    ]);
  });

  it("rejects when any write fails, after the writes in flight settle, so the handler answers 5xx", async () => {
    const { store } = recordingStore({ failOn: midOf(3) });
    const { deps } = dependencies(store, { [ACCOUNT]: ["imo-a"] });
    const events = Array.from({ length: 10 }, (_, i) =>
      fromCustomer(i, text(midOf(i), "x"), String(100 + i)),
    );
    await expect(ingestDelivery(parseDelivery(deliveryOf(events)), deps)).rejects.toThrow("storage down");
  });
});

describe("forEachLimited", () => {
  it("never runs more than the limit at once and visits every item", async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      seen.push(n);
      running -= 1;
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
