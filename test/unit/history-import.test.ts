import { describe, expect, it } from "vitest";
import { graphTime } from "../../lambdas/adapters/meta/conversations-api";
import { deriveEvents } from "../../lambdas/domain/events/derive";
import { runHistoryStep, startHistoryImport } from "../../lambdas/domain/history/import";
import {
  type HistoryDeps,
  type HistoryJob,
  HistoryReadError,
  type HistoryStep,
} from "../../lambdas/domain/history/ports";
import { customerOf, importedMessage } from "../../lambdas/domain/history/records";
import type { Integration } from "../../lambdas/domain/integration";
import { messageView } from "../../lambdas/http/inbox-bodies";
import { DEFAULT_HISTORY_POLICY } from "../../lambdas/wiring/history";

const ACCOUNT = "17841400000000001";
const CUSTOMER = "3500000000000001";
const tenant = { imoId: "imo-1", userId: "user-1" };
const ref = { ...tenant, igAccountId: ACCOUNT, igsid: CUSTOMER };

describe("imported messages", () => {
  const inbound = importedMessage(ref, {
    mid: "mid-in",
    createdAt: 1_000,
    fromId: CUSTOMER,
    toIds: [ACCOUNT],
    text: "hola",
    attachments: [],
  });
  const outbound = importedMessage(ref, {
    mid: "mid-out",
    createdAt: 2_000,
    fromId: ACCOUNT,
    toIds: [CUSTOMER],
    attachments: [{ type: "image", url: "https://cdn.example/x.jpg" }],
  });

  it("are stored like webhook messages, marked history, never unread; the business's are outbound and sent", () => {
    expect(inbound.message).toMatchObject({ messageId: "mid-in", direction: "inbound", source: "history" });
    expect(inbound.message.status).toBeUndefined();
    expect(inbound.effect).toMatchObject({ unreadIncrement: 0, opensWindow: true, preview: "hola" });
    expect(outbound.message).toMatchObject({ direction: "outbound", source: "history", status: "sent" });
    expect(outbound.effect).toMatchObject({ unreadIncrement: 0, opensWindow: false, preview: "[image]" });
  });

  it("raise no app event: no message.received, no status change", () => {
    for (const { message } of [inbound, outbound]) {
      const change = {
        key: { pk: "MSG", sk: "MSG" },
        sequence: "1",
        committedAt: 5_000,
        new: { kind: "message" as const, message },
      };
      expect(deriveEvents(change, messageView)).toEqual([]);
    }
  });

  it("the conversation's customer is the party that is not the account", () => {
    const fromBusiness = { mid: "m", createdAt: 1, fromId: ACCOUNT, toIds: [CUSTOMER], attachments: [] };
    expect(customerOf(ACCOUNT, [fromBusiness])).toBe(CUSTOMER);
    expect(customerOf(ACCOUNT, [])).toBeUndefined();
  });

  it("Graph times parse with a +0000 offset and as Unix seconds", () => {
    expect(graphTime("2026-11-29T17:35:00+0000")).toBe(Date.UTC(2026, 10, 29, 17, 35));
    expect(graphTime("1764437700")).toBe(1_764_437_700_000);
    expect(graphTime("yesterday")).toBeUndefined();
  });
});

/** A job store and queue in memory, and a Meta that answers what each test says. */
function fakes(meta: Partial<HistoryDeps["meta"]>, integration: Partial<Integration> = {}) {
  let job: HistoryJob | undefined;
  const queued: { step: HistoryStep; delaySeconds: number }[] = [];
  const deps: HistoryDeps = {
    jobs: {
      get: async () => job,
      start: async (next, staleBefore) => {
        if (job?.status === "running" && job.updatedAt >= staleBefore) return "running";
        job = next;
        return "started";
      },
      commit: async (current, change) => {
        if (job?.jobId !== current.jobId || job.seq !== current.seq || job.status !== "running") return false;
        job = {
          ...job,
          cursor: change.cursor,
          conversations: job.conversations + change.conversations,
          messages: job.messages + change.messages,
          status: change.status,
          ...(change.finishedAt === undefined ? {} : { finishedAt: change.finishedAt }),
          ...(change.error === undefined ? {} : { error: change.error }),
          seq: job.seq + 1,
          updatedAt: change.at,
        };
        return true;
      },
      markEnqueued: async (_current, seq) => {
        if (job !== undefined) job = { ...job, enqueuedSeq: Math.max(job.enqueuedSeq, seq) };
      },
    },
    queue: { enqueue: async (step, delaySeconds) => void queued.push({ step, delaySeconds }) },
    meta: {
      listConversations: async () => ({ value: { conversations: [] } }),
      messageIds: async () => ({ value: [] }),
      message: async () => {
        throw new Error("not expected");
      },
      ...meta,
    },
    store: {
      recordMessages: async (batch) => batch.map(() => "applied"),
      confirmEcho: async () => "unmatched",
    },
    integration: async () => ({
      ...tenant,
      igAccountId: ACCOUNT,
      appScopedUserId: "1",
      username: "shop",
      accountType: "BUSINESS",
      status: "connected",
      connectedAt: 0,
      updatedAt: 0,
      version: 1,
      token: { v: 2, kid: "k", iv: "i", tag: "t", ct: "c" } as unknown as Integration["token"],
      ...integration,
    }),
    accessToken: () => "IGAA-test",
    pace: async () => undefined,
    policy: DEFAULT_HISTORY_POLICY,
    now: () => 1_000_000_000_000,
    newJobId: () => "job-1",
  };
  return { deps, queued, job: () => job };
}

describe("runHistoryStep: Meta's refusals", () => {
  it("throttling re-queues the same step later (Meta's regain time when longer) without advancing the job", async () => {
    const f = fakes({
      listConversations: async () => {
        throw new HistoryReadError("rate_limited", "613", 300_000);
      },
    });
    await startHistoryImport(f.deps, tenant);
    const first = f.queued.shift() as { step: HistoryStep };
    expect(await runHistoryStep(first.step, f.deps)).toBe("retry_later");
    expect(f.queued).toEqual([{ step: { ...first.step, attempt: 1 }, delaySeconds: 300 }]);
    expect(f.job()).toMatchObject({ seq: 0, status: "running", conversations: 0 });
  });

  it("a step Meta keeps failing ends the import as meta_unavailable", async () => {
    const f = fakes({
      listConversations: async () => {
        throw new HistoryReadError("transient", "500");
      },
    });
    await startHistoryImport(f.deps, tenant);
    const first = f.queued.shift() as { step: HistoryStep };
    const last = { ...first.step, attempt: DEFAULT_HISTORY_POLICY.maxAttempts - 1 };
    expect(await runHistoryStep(last, f.deps)).toBe("failed");
    expect(f.job()).toMatchObject({ status: "failed", error: "meta_unavailable" });
  });

  it("a rejected token ends the import as reauth_required; a revoked integration as integration_disconnected", async () => {
    const rejected = fakes({
      listConversations: async () => {
        throw new HistoryReadError("token_invalid", "190");
      },
    });
    await startHistoryImport(rejected.deps, tenant);
    expect(await runHistoryStep((rejected.queued[0] as { step: HistoryStep }).step, rejected.deps)).toBe(
      "failed",
    );
    expect(rejected.job()).toMatchObject({ status: "failed", error: "reauth_required" });

    const revoked = fakes({});
    await startHistoryImport(revoked.deps, tenant);
    const step = (revoked.queued[0] as { step: HistoryStep }).step;
    const deps = { ...revoked.deps, integration: async () => undefined };
    expect(await runHistoryStep(step, deps)).toBe("failed");
    expect(revoked.job()).toMatchObject({ status: "failed", error: "integration_disconnected" });
  });

  it("a second start while one runs is 409 history.already_running", async () => {
    const f = fakes({});
    await startHistoryImport(f.deps, tenant);
    await expect(startHistoryImport(f.deps, tenant)).rejects.toMatchObject({
      code: "history.already_running",
    });
  });

  it("stops listing at the depth: conversations older than 30 days end the list", async () => {
    const now = 1_000_000_000_000;
    const f = fakes({
      listConversations: async () => ({
        value: {
          conversations: [
            { id: "c-new", updatedAt: now - 86_400_000 },
            { id: "c-old", updatedAt: now - 31 * 86_400_000 },
          ],
          after: "cursor-2",
        },
      }),
    });
    await startHistoryImport(f.deps, tenant);
    await runHistoryStep((f.queued.shift() as { step: HistoryStep }).step, f.deps);
    expect(f.job()?.cursor).toMatchObject({ pending: ["c-new"], listed: 1, listDone: true });
  });
});
