import { createHash } from "node:crypto";
import { flavourOf, type Integration } from "../integration";
import { withoutToken } from "./connect-rules";
import type {
  DataDeletionStore,
  ErasureCounts,
  ErasureJob,
  ErasureQueue,
  ErasureStore,
  IntegrationStore,
  PersonLink,
} from "./ports";

/** How often a lifecycle change is retried after a concurrent write wins. */
const MAX_ATTEMPTS = 5;
const ZERO: ErasureCounts = { integrations: 0, conversations: 0, messages: 0, other: 0 };

/**
 * The confirmation code of a data deletion request: 16 letters and digits from a SHA-256 of the signed_request.
 * The same request always gets the same code, so a replay finds the job it already started.
 */
export function confirmationCodeFor(signedRequest: string): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const digest = createHash("sha256").update(signedRequest, "utf8").digest();
  return [...digest.subarray(0, 16)].map((byte) => alphabet[byte % alphabet.length]).join("");
}

/** Everything stored about a person: the ids they are known by, their accounts, and where those are connected. */
export interface Person {
  readonly personIds: readonly string[];
  readonly igAccountIds: readonly string[];
  readonly links: readonly PersonLink[];
  /** Every (organisation, account) holding the person's data: links plus every organisation connected now. */
  readonly targets: readonly { readonly imoId: string; readonly igAccountId: string }[];
  /** Integrations of the person's accounts (any organisation, any user), and legacy ones by app-scoped id. */
  readonly integrations: readonly Integration[];
}

/**
 * Finds a person by any id Meta may send: their links (one Query per id; a link lists all three ids, so one id
 * finds the others), integrations stored before links existed (gsi2, app-scoped id), and every organisation that
 * has one of their accounts connected now (gsi1). The account is the person's: its data goes in every organisation.
 */
export async function findPerson(
  ids: readonly string[],
  deps: { store: IntegrationStore; erasure: ErasureStore },
): Promise<Person> {
  const personIds = new Set(ids);
  const links = new Map<string, PersonLink>();
  const searched = new Set<string>();
  while ([...personIds].some((id) => !searched.has(id))) {
    for (const id of [...personIds].filter((candidate) => !searched.has(candidate))) {
      searched.add(id);
      for (const link of await deps.erasure.linksOf(id)) {
        links.set(`${link.imoId}#${link.igAccountId}`, link);
        for (const other of link.personIds) personIds.add(other);
      }
    }
  }
  const integrations = new Map<string, Integration>();
  const keep = (integration: Integration) =>
    integrations.set(`${integration.imoId}#${integration.userId}`, integration);
  for (const id of personIds) for (const found of await deps.store.findByAppUser(id)) keep(found);
  const accounts = new Set([...links.values()].map((link) => link.igAccountId));
  for (const integration of integrations.values()) accounts.add(integration.igAccountId);
  // An account reached through an Instagram identity is the person's own: every organisation's integration of it
  // goes. One reached only as a Facebook user's Page account is not theirs: only their own integrations and the
  // organisations they connected it in (their links) are.
  const owned = new Set(
    [...links.values()].filter((link) => link.loginFlavour !== "facebook").map((link) => link.igAccountId),
  );
  for (const integration of integrations.values())
    if (flavourOf(integration) === "instagram") owned.add(integration.igAccountId);
  for (const account of owned) for (const found of await deps.store.findByAccount(account)) keep(found);
  const targets = new Map<string, { imoId: string; igAccountId: string }>();
  for (const { imoId, igAccountId } of [...links.values(), ...integrations.values()]) {
    if (accounts.has(igAccountId)) targets.set(`${imoId}#${igAccountId}`, { imoId, igAccountId });
  }
  return {
    personIds: [...personIds],
    igAccountIds: [...accounts],
    links: [...links.values()],
    targets: [...targets.values()],
    integrations: [...integrations.values()].filter((integration) => accounts.has(integration.igAccountId)),
  };
}

/**
 * Revokes one integration (token erased, claim released) while it is still on one of `accounts`, re-reading after
 * a lost race. Returns it as it now stands (undefined once it moved to another account) and whether this changed it.
 */
async function revoke(
  found: Integration,
  accounts: ReadonlySet<string>,
  deps: { store: IntegrationStore; now: () => number },
): Promise<{ integration: Integration | undefined; changed: boolean }> {
  let current: Integration | undefined = found;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (current === undefined || !accounts.has(current.igAccountId))
      return { integration: undefined, changed: false };
    if (current.status === "revoked" && current.token === undefined)
      return { integration: current, changed: false };
    const next = withoutToken(current, "revoked", deps.now());
    const outcome = await deps.store.save(next, current.version, {
      releaseClaim: current.status !== "revoked",
    });
    if (outcome === "applied") return { integration: next, changed: true };
    current = await deps.store.get(current.imoId, current.userId);
  }
  throw new Error("Revoking lost the race too many times");
}

/**
 * Deauthorize callback: the person removed the app. Every integration of their accounts (in any organisation) is
 * revoked, its token erased and its claim released. Idempotent.
 */
export async function deauthorizePerson(
  personId: string,
  deps: { store: IntegrationStore; erasure: ErasureStore; now: () => number },
): Promise<{ revoked: number }> {
  const person = await findPerson([personId], deps);
  const accounts = new Set(person.igAccountIds);
  let revoked = 0;
  for (const found of person.integrations) if ((await revoke(found, accounts, deps)).changed) revoked++;
  return { revoked };
}

/**
 * Data deletion callback: records the request under a code derived from the signed_request and queues the job.
 * A replay finds the record and queues nothing (unless the first attempt stopped before queuing).
 */
export async function requestErasure(
  signedRequest: string,
  personId: string,
  deps: { deletions: DataDeletionStore; queue: ErasureQueue; now: () => number },
): Promise<{ code: string; replayed: boolean }> {
  const code = confirmationCodeFor(signedRequest);
  const opened = await deps.deletions.open(code, deps.now());
  if (opened.status === "pending" && !opened.queued) {
    await deps.queue.enqueue({ code, personIds: [personId] });
    await deps.deletions.markQueued(code);
  }
  return { code, replayed: !opened.created };
}

export type ErasureStepResult = "completed" | "continue" | "skipped";

function add(a: ErasureCounts, b: ErasureCounts): ErasureCounts {
  return {
    integrations: a.integrations + b.integrations,
    conversations: a.conversations + b.conversations,
    messages: a.messages + b.messages,
    other: a.other + b.other,
  };
}

/**
 * One bounded step of an erasure job. Under a lease (a duplicate message finds it held and is skipped), in an
 * order a crash can resume from: revoke the accounts' integrations (no more routing, sending or token), erase each
 * organisation's data page by page, then the per-account state, the integrations, and last the person links that
 * found them. `continue`: time ran out, queue the job again; deleted items stay deleted, so the next step resumes.
 */
export async function runErasureStep(
  job: ErasureJob,
  deps: {
    store: IntegrationStore;
    erasure: ErasureStore;
    deletions: DataDeletionStore;
    now: () => number;
    leaseId: string;
    leaseMs: number;
    stop: () => boolean;
  },
): Promise<ErasureStepResult> {
  const { deletions, erasure } = deps;
  if (!(await deletions.takeLease(job.code, deps.leaseId, deps.now(), deps.now() + deps.leaseMs)))
    return "skipped";
  let counts = ZERO;
  try {
    const person = await findPerson(job.personIds, deps);
    const accounts = new Set(person.igAccountIds);
    for (const found of person.integrations) await revoke(found, accounts, deps);
    for (const target of person.targets) {
      const erased = await erasure.eraseAccountData(target.imoId, target.igAccountId, deps.stop);
      counts = add(counts, erased.counts);
      if (!erased.done) return "continue";
    }
    for (const account of accounts)
      counts = add(counts, { ...ZERO, other: await erasure.eraseAccountState(account) });
    for (const found of person.integrations) {
      let current = await deps.store.get(found.imoId, found.userId);
      for (
        let attempt = 0;
        attempt < MAX_ATTEMPTS && current !== undefined && accounts.has(current.igAccountId);
        attempt++
      ) {
        if ((await deps.store.remove(current)) === "applied") {
          counts = add(counts, { ...ZERO, integrations: 1 });
          break;
        }
        current = await deps.store.get(found.imoId, found.userId);
      }
    }
    counts = add(counts, { ...ZERO, other: await erasure.removeLinks(person.links) });
    await deletions.addCounts(job.code, counts);
    counts = ZERO;
    await deletions.complete(job.code, deps.now());
    return "completed";
  } finally {
    if (counts !== ZERO) await deletions.addCounts(job.code, counts);
    await deletions.releaseLease(job.code, deps.leaseId);
  }
}
