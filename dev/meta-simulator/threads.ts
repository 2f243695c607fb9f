import type { HistorySeed } from "./model";

/*
 * The conversations Meta keeps for each account, as the Conversations API reads them: every customer message
 * the simulator delivered, every accepted send, and any seeded history. One store, so a message delivered by
 * webhook is the same message (same `mid`) when read back through the API.
 */

export interface ThreadMessage {
  readonly mid: string;
  /** Simulator clock, Unix ms. */
  readonly at: number;
  readonly fromCustomer: boolean;
  readonly text?: string;
  readonly attachments?: readonly { readonly type: string; readonly url?: string }[];
}

export interface Thread {
  readonly igId: string;
  readonly igsid: string;
  readonly conversationId: string;
  /** Oldest first. */
  readonly messages: ThreadMessage[];
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64url");

/** A conversation id in Meta's opaque style, derived from the pair so it is stable across runs. */
export function conversationIdOf(igId: string, igsid: string): string {
  return `aWdfZAG06MTpJR01lc3NhZA2VUaHJlYWQ6${b64(`${igId}:${igsid}`)}`;
}

/** A deterministic `mid` for seeded history. */
function seededMid(igId: string, conversation: number, message: number): string {
  return `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx${b64(`seed:${igId}:${conversation}:${message}`)}ZDZD`;
}

/** The IGSID of the n-th seeded customer: 16 digits, never colliding with the default customer. */
export function seededIgsid(n: number): string {
  return `35${String(n).padStart(14, "0")}`;
}

export function createThreads() {
  const threads = new Map<string, Thread>();
  const byConversation = new Map<string, Thread>();
  const byMid = new Map<string, { thread: Thread; message: ThreadMessage }>();
  const key = (igId: string, igsid: string) => `${igId}:${igsid}`;

  function thread(igId: string, igsid: string): Thread {
    const k = key(igId, igsid);
    const found = threads.get(k);
    if (found !== undefined) return found;
    const created: Thread = { igId, igsid, conversationId: conversationIdOf(igId, igsid), messages: [] };
    threads.set(k, created);
    byConversation.set(created.conversationId, created);
    return created;
  }

  function add(igId: string, igsid: string, message: ThreadMessage): void {
    if (byMid.has(message.mid)) return;
    const t = thread(igId, igsid);
    t.messages.push(message);
    t.messages.sort((a, b) => a.at - b.at);
    byMid.set(message.mid, { thread: t, message });
  }

  const existing = (igId: string, igsid: string) => threads.get(key(igId, igsid));

  /** Threads of an account, most recently updated first (as the Conversations API lists them). */
  function list(igId: string): Thread[] {
    return [...threads.values()]
      .filter((t) => t.igId === igId && t.messages.length > 0)
      .sort((a, b) => (b.messages.at(-1)?.at ?? 0) - (a.messages.at(-1)?.at ?? 0));
  }

  /** Seeds `conversations` threads of `messagesPerConversation` messages, alternating customer / business. */
  function seed(igId: string, spec: HistorySeed, now: number): void {
    const spacing = spec.spacingMs ?? 3_600_000;
    const perThread = spec.messagesPerConversation;
    for (let c = 0; c < spec.conversations; c++) {
      const igsid = seededIgsid(c + 1);
      for (let m = 0; m < perThread; m++) {
        const stepsBack = c * perThread + (perThread - 1 - m) + 1;
        const fromCustomer = m % 2 === 0;
        add(igId, igsid, {
          mid: seededMid(igId, c + 1, m + 1),
          at: now - stepsBack * spacing,
          fromCustomer,
          text: fromCustomer ? `Seeded question ${m + 1} from customer ${c + 1}` : `Seeded answer ${m + 1}`,
        });
      }
    }
  }

  return {
    thread,
    existing,
    add,
    list,
    seed,
    byConversationId: (id: string) => byConversation.get(id),
    byMessageId: (mid: string) => byMid.get(mid),
  };
}

export type Threads = ReturnType<typeof createThreads>;
