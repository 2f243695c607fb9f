import type { SendableReaction } from "../../contract/vocabulary";
import { canReply, replyWindow, windowAnchors } from "../conversation";
import { AppError } from "../errors";
import { metaTargetOf } from "../integration";
import type { MessageRecord, Reaction } from "../message";
import type { Tenant } from "../tenant";
import { ownConversation, type SenderActionDeps } from "./sender-actions";

/** The message a reaction goes on, and the write that shows it in the app API. */
export interface ReactionStore {
  message(imoId: string, messageId: string): Promise<MessageRecord | undefined>;
  /** Sets `reactions[by]` unless a newer reaction (or unreact) of the same party is already stored. */
  setReaction(imoId: string, messageId: string, by: string, reaction: Reaction): Promise<void>;
}

export interface ReactionDeps extends SenderActionDeps {
  readonly reactions: ReactionStore;
}

const noSuchMessage = () => new AppError("resource.not_found", "No such customer message.");

/**
 * Reacts to a customer message (`love`, the only reaction Meta's sender-actions page documents) or takes the
 * reaction back (`reaction` undefined): `sender_action: react` / `unreact` with Meta's mid, only inside the
 * reply window (409 `send.window_closed`). Only a customer message of the caller's own account: anything else
 * is 404, as if absent. A sender action is not a message: never counted against the send cap (docs/outbound.md).
 * Meta does not echo reactions (webhooks page), so the stored reaction is written here, keyed by our account.
 */
export async function reactToMessage(
  deps: ReactionDeps,
  tenant: Tenant,
  messageId: string,
  reaction: SendableReaction | undefined,
): Promise<MessageRecord> {
  const message = await deps.reactions.message(tenant.imoId, messageId);
  if (message === undefined || message.direction !== "inbound" || message.source !== "customer") {
    throw noSuchMessage();
  }
  if (message.deleted === true) throw noSuchMessage();
  const { integration, conversation } = await ownConversation(
    deps,
    tenant,
    `${message.igAccountId}_${message.igsid}`,
  ).catch((error: unknown) => {
    throw error instanceof AppError && error.code === "resource.not_found" ? noSuchMessage() : error;
  });
  if (!canReply(replyWindow(windowAnchors(conversation), deps.now()), undefined)) {
    throw new AppError("send.window_closed", "The reply window of this conversation is closed.");
  }
  const result = await deps.meta.act({
    igAccountId: integration.igAccountId,
    accessToken: deps.accessToken(integration),
    recipientId: conversation.igsid,
    action: reaction === undefined ? "unreact" : "react",
    target: metaTargetOf(integration),
    reactTo: { mid: message.mid ?? message.messageId, ...(reaction === undefined ? {} : { reaction }) },
  });
  if (!result.ok) {
    if (result.kind === "window_closed")
      throw new AppError("send.window_closed", "Meta says the window is closed.");
    if (result.kind === "token_invalid") {
      throw new AppError("integration.needs_reauth", "Meta refused the account's token; reconnect it.");
    }
    throw new AppError("dependency.unavailable", "Instagram did not take the reaction; retry later.");
  }
  const at = deps.now();
  const stored: Reaction = reaction === undefined ? { reaction: "", at, removed: true } : { reaction, at };
  await deps.reactions.setReaction(tenant.imoId, message.messageId, integration.igAccountId, stored);
  return { ...message, reactions: { ...message.reactions, [integration.igAccountId]: stored } };
}
