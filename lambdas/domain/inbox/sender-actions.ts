import {
  type Conversation,
  canReply,
  parseConversationId,
  replyWindow,
  windowAnchors,
} from "../conversation";
import { AppError } from "../errors";
import { type Integration, type MetaTarget, metaTargetOf } from "../integration";
import type { MetaErrorClass } from "../meta-errors";
import type { Tenant } from "../tenant";
import type { InboxReader } from "./inbox";

export type SenderAction = "typing_on" | "typing_off" | "mark_seen" | "react" | "unreact";

/** Meta's sender actions (not messages: never counted against the send cap). */
export interface SenderActions {
  act(request: {
    readonly igAccountId: string;
    readonly accessToken: string;
    /** Host and path node (the Page for Facebook Login); absent: the account on graph.instagram.com. */
    readonly target?: MetaTarget;
    readonly recipientId: string;
    readonly action: SenderAction;
    /** react / unreact: Meta's mid of the message, and for react the reaction (sender-actions page). */
    readonly reactTo?: { readonly mid: string; readonly reaction?: string };
  }): Promise<{ ok: true } | { ok: false; kind: MetaErrorClass }>;
}

export interface SenderActionDeps {
  readonly inbox: InboxReader;
  readonly meta: SenderActions;
  /** Opens the integration's sealed token (and registers it for log redaction). */
  readonly accessToken: (integration: Integration) => string;
  readonly now: () => number;
}

const notFound = () => new AppError("resource.not_found", "No such conversation.");

/** The caller's connected integration and one of its conversations; anything else is 404 (or 409 reauth). */
export async function ownConversation(
  deps: SenderActionDeps,
  tenant: Tenant,
  conversationId: string,
): Promise<{ integration: Integration; conversation: Conversation }> {
  const parsed = parseConversationId(conversationId);
  if (parsed === undefined) throw notFound();
  const integration = await deps.inbox.integrationOf(tenant);
  if (integration === undefined || integration.status === "revoked") throw notFound();
  if (integration.igAccountId !== parsed.igAccountId) throw notFound();
  const conversation = await deps.inbox.conversation(tenant.imoId, parsed.igAccountId, parsed.igsid);
  if (conversation === undefined) throw notFound();
  if (integration.status !== "connected" || integration.token === undefined) {
    throw new AppError("integration.needs_reauth", "Reconnect the Instagram account first.");
  }
  return { integration, conversation };
}

/**
 * Shows or hides the typing indicator in the customer's thread. Only inside the reply window (24 hours, or 7
 * days in an ad-started thread; 409 `send.window_closed` outside, checked here first and again by Meta); a
 * Meta refusal is answered as
 * the matching app error, a slow or failing Meta as 503.
 */
export async function setTyping(
  deps: SenderActionDeps,
  tenant: Tenant,
  conversationId: string,
  on: boolean,
): Promise<void> {
  const { integration, conversation } = await ownConversation(deps, tenant, conversationId);
  if (!canReply(replyWindow(windowAnchors(conversation), deps.now()), undefined)) {
    throw new AppError("send.window_closed", "The reply window of this conversation is closed.");
  }
  const result = await deps.meta.act({
    igAccountId: integration.igAccountId,
    accessToken: deps.accessToken(integration),
    target: metaTargetOf(integration),
    recipientId: conversation.igsid,
    action: on ? "typing_on" : "typing_off",
  });
  if (result.ok) return;
  if (result.kind === "window_closed")
    throw new AppError("send.window_closed", "Meta says the window is closed.");
  if (result.kind === "token_invalid") {
    throw new AppError("integration.needs_reauth", "Meta refused the account's token; reconnect it.");
  }
  throw new AppError("dependency.unavailable", "Instagram did not take the typing indicator; retry later.");
}

/**
 * Tells Meta the business saw the thread (`mark_seen`), when the window allows and the integration can.
 * Best effort: the outcome is returned for the log, never thrown, so the app's read never fails on it.
 */
export async function markSeenAtMeta(
  deps: SenderActionDeps,
  tenant: Tenant,
  conversation: Conversation,
): Promise<"sent" | "skipped" | MetaErrorClass | "error"> {
  try {
    if (!canReply(replyWindow(windowAnchors(conversation), deps.now()), undefined)) return "skipped";
    const integration = await deps.inbox.integrationOf(tenant);
    if (integration?.status !== "connected" || integration.token === undefined) return "skipped";
    if (integration.igAccountId !== conversation.igAccountId) return "skipped";
    const result = await deps.meta.act({
      igAccountId: integration.igAccountId,
      accessToken: deps.accessToken(integration),
      target: metaTargetOf(integration),
      recipientId: conversation.igsid,
      action: "mark_seen",
    });
    return result.ok ? "sent" : result.kind;
  } catch {
    return "error";
  }
}
