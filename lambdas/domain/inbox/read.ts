import { type Conversation, parseConversationId } from "../conversation";
import { AppError } from "../errors";
import type { Tenant } from "../tenant";
import { type InboxReader, readableAccount } from "./inbox";

/** What marking a conversation read needs from storage, besides the inbox reads. */
export interface ReadStore {
  /** When one message of the conversation was sent (epoch ms); undefined if it is not in that conversation. */
  messageTime(
    imoId: string,
    igAccountId: string,
    igsid: string,
    messageId: string,
  ): Promise<number | undefined>;
  /**
   * Sets the unread count to 0, only if the conversation exists and holds no customer message later than
   * `upTo`. The conversation after the write, or "stale" when the condition refused it.
   */
  markRead(imoId: string, igAccountId: string, igsid: string, upTo: number): Promise<Conversation | "stale">;
}

export interface ReadDeps {
  readonly inbox: InboxReader;
  readonly reads: ReadStore;
}

/** How often "read up to the latest" is retried when customer messages keep arriving in between. */
const LATEST_ATTEMPTS = 3;

/**
 * Marks one of the caller's conversations read. Without `upToMessageId`, up to its latest customer message;
 * with it, up to that message, and only if no customer message came after it: a request that saw an older
 * state (stale) changes nothing, so a message the person has not seen is never counted as read and the
 * count is never raised. Repeating a request is harmless. Returns the conversation as it now stands.
 */
export async function markConversationRead(
  deps: ReadDeps,
  tenant: Tenant,
  conversationId: string,
  upToMessageId: string | undefined,
): Promise<Conversation> {
  const notFound = () => new AppError("resource.not_found", "No such conversation.");
  const parsed = parseConversationId(conversationId);
  if (parsed === undefined) throw notFound();
  const igAccountId = await readableAccount(deps.inbox, tenant);
  if (igAccountId === undefined || igAccountId !== parsed.igAccountId) throw notFound();
  const { igsid } = parsed;

  const current = async () => {
    const conversation = await deps.inbox.conversation(tenant.imoId, igAccountId, igsid);
    if (conversation === undefined) throw notFound();
    return conversation;
  };

  if (upToMessageId !== undefined) {
    const upTo = await deps.reads.messageTime(tenant.imoId, igAccountId, igsid, upToMessageId);
    if (upTo === undefined) throw notFound();
    const result = await deps.reads.markRead(tenant.imoId, igAccountId, igsid, upTo);
    return result === "stale" ? current() : result;
  }

  for (let attempt = 0; attempt < LATEST_ATTEMPTS; attempt += 1) {
    const conversation = await current();
    const upTo = conversation.lastCustomerMessageAt ?? 0;
    const result = await deps.reads.markRead(tenant.imoId, igAccountId, igsid, upTo);
    if (result !== "stale") return result;
    // A customer message arrived between the read and the write: look again.
  }
  return current();
}
