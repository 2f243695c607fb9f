import { createHash } from "node:crypto";
import { canReply, conversationId, parseConversationId, replyWindow } from "../conversation";
import { AppError, ValidationError } from "../errors";
import type { Integration } from "../integration";
import type { Tenant } from "../tenant";
import { acceptView } from "./accept-view";
import { type SavedAttachment, type SavedAttachmentStore, savedAttachmentFor } from "./attachments";
import { needsParts } from "./parts";
import type {
  AcceptReads,
  AcceptView,
  ConversationWindows,
  IntegrationAccess,
  OutboundContent,
  OutboundMessage,
  OutboundQueue,
  OutboundStore,
  ReplyTargets,
} from "./ports";
import { type RichInput, richLimitErrors } from "./rich";

/** The validated body of `POST /instagram/messages` (see lambdas/contract/api/messages.ts). */
export interface SendMessageInput extends RichInput {
  readonly conversationId?: string;
  readonly recipientId?: string;
  readonly tag?: "HUMAN_AGENT";
}

export interface AcceptDeps {
  readonly store: OutboundStore;
  readonly integrations: IntegrationAccess;
  readonly conversations: ConversationWindows;
  readonly replyTargets: ReplyTargets;
  readonly queue: OutboundQueue;
  readonly newId: () => string;
  readonly now: () => number;
  readonly humanAgentEnabled: boolean;
  /** Attachment ids uploaded before (absent: every `attachmentId` is refused as unknown). */
  readonly savedAttachments?: Pick<SavedAttachmentStore, "get">;
  /** The reads of one request at once; without it, one read per port (the in-memory fakes). */
  readonly reads?: AcceptReads;
}

export interface Accepted {
  readonly messageId: string;
  readonly status: OutboundMessage["status"];
}

/** Key order and absent fields never change the hash: the same request always hashes the same. */
export function requestHash(input: SendMessageInput): string {
  const canonical = JSON.stringify({
    conversationId: input.conversationId ?? null,
    recipientId: input.recipientId ?? null,
    text: input.text ?? null,
    attachment: input.attachment ? { type: input.attachment.type, url: input.attachment.url } : null,
    tag: input.tag ?? null,
    // Rich fields join the hash only when present, so a plain text or attachment request hashes as it always did.
    ...richFields(input),
  });
  return createHash("sha256").update(canonical).digest("base64url");
}

function richFields(input: SendMessageInput): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of ["replyTo", "quickReplies", "attachments", "sticker", "share", "template"] as const) {
    if (input[key] !== undefined) fields[key] = input[key];
  }
  return fields;
}

/**
 * The content to store and send; `replyMid` is Meta's id of the message `replyTo` names and `saved` the attachment
 * an `attachmentId` names (both checked before).
 */
function contentOf(
  input: SendMessageInput,
  replyMid: string | undefined,
  saved: SavedAttachment | undefined,
): OutboundContent {
  if (input.text !== undefined) {
    return {
      text: input.text,
      ...(input.quickReplies === undefined ? {} : { quickReplies: input.quickReplies }),
      ...(input.replyTo === undefined || replyMid === undefined
        ? {}
        : { replyTo: { messageId: input.replyTo, mid: replyMid } }),
    };
  }
  if (input.attachment !== undefined) return { attachment: input.attachment };
  if (saved !== undefined) {
    return { savedAttachment: { type: saved.type, attachmentId: saved.attachmentId, url: saved.url } };
  }
  const byUrl = (input.attachments ?? []).flatMap((a) => ("url" in a ? [a] : []));
  const [first, ...more] = byUrl;
  // One media is the single-attachment body; several images are one Meta message; anything else goes in parts.
  if (first !== undefined) {
    if (more.length === 0) return { attachment: first };
    return needsParts(byUrl) ? { media: byUrl } : { images: byUrl.map((a) => a.url) };
  }
  if (input.sticker !== undefined) return { sticker: input.sticker };
  if (input.share !== undefined) return { share: input.share };
  if (input.template !== undefined) return { template: input.template };
  throw new AppError("request.invalid", "Give exactly one content kind");
}

/** Meta's mid of the customer message a reply answers; 400 naming `replyTo` when it is not one of this thread's. */
async function replyTargetMid(
  tenant: Tenant,
  igAccountId: string,
  igsid: string,
  input: SendMessageInput,
  deps: AcceptDeps,
): Promise<string | undefined> {
  if (input.replyTo === undefined) return undefined;
  const mid = await deps.replyTargets.customerMid(tenant.imoId, igAccountId, igsid, input.replyTo);
  if (mid === undefined) {
    throw new ValidationError([
      { field: "body.replyTo", message: "Not a customer message of this conversation" },
    ]);
  }
  return mid;
}

/**
 * Accepts a message for sending: checks the caller's integration and the reply window, stores it `queued`
 * (with its Idempotency-Key in the same transaction), then enqueues it.
 *
 * Crash safety: the store write comes first, so a crash before enqueueing leaves a `queued` message and its key;
 * the client's retry with the same key finds it and enqueues it again (the dedup id is the message id, and the
 * sender's conditional `queued → sending` makes a second record harmless). A failed enqueue the handler sees is
 * compensated (`failed`, `enqueue_failed`) and answered 503.
 */
export async function acceptMessage(
  tenant: Tenant,
  input: SendMessageInput,
  idempotencyKey: string | undefined,
  deps: AcceptDeps,
): Promise<Accepted> {
  if (input.tag === "HUMAN_AGENT" && !deps.humanAgentEnabled) {
    throw new AppError("send.human_agent_disabled", "The HUMAN_AGENT tag is not enabled for this stage.");
  }
  const limitErrors = richLimitErrors(input);
  if (limitErrors.length > 0) throw new ValidationError(limitErrors);
  const hash = requestHash(input);
  const view = await acceptView(tenant, input, idempotencyKey, deps);
  if (idempotencyKey !== undefined) {
    const replay = await replayOf(tenant, idempotencyKey, hash, deps, view);
    if (replay) return replay;
  }

  const { integration } = view;
  if (integration === undefined || integration.status === "revoked") {
    throw new AppError("integration.not_connected", "Connect an Instagram account before sending.");
  }
  if (integration.status === "needs_reauth") {
    throw new AppError("integration.needs_reauth", "Reconnect the Instagram account before sending.");
  }

  const saved = await savedAttachmentOf(integration, input, deps);
  const igsid = recipientOf(input, integration.igAccountId);
  const now = deps.now();
  const read = view.conversation;
  const anchors =
    read?.igAccountId === integration.igAccountId && read.igsid === igsid
      ? read.anchors
      : await deps.conversations.anchors(tenant.imoId, integration.igAccountId, igsid);
  const window = replyWindow(anchors, now);
  if (!canReply(window, input.tag)) {
    const closedAt = input.tag === "HUMAN_AGENT" ? window.humanAgentClosesAt : window.closesAt;
    throw new AppError(
      "send.window_closed",
      closedAt === undefined
        ? "The customer has not written to this account yet."
        : `The reply window closed at ${new Date(closedAt).toISOString()}.`,
      closedAt === undefined ? {} : { closedAt: new Date(closedAt).toISOString() },
    );
  }

  const replyMid = await replyTargetMid(tenant, integration.igAccountId, igsid, input, deps);
  const message: OutboundMessage = {
    imoId: tenant.imoId,
    userId: tenant.userId,
    igAccountId: integration.igAccountId,
    igsid,
    messageId: deps.newId(),
    status: "queued",
    content: contentOf(input, replyMid, saved),
    ...(input.tag ? { tag: input.tag } : {}),
    acceptedAt: now,
    attempts: 0,
  };
  const created = await deps.store.create(
    message,
    idempotencyKey === undefined ? undefined : { key: idempotencyKey, requestHash: hash },
  );
  if (created === "key_taken" && idempotencyKey !== undefined) {
    // A concurrent request with the same key won the race; answer as its replay.
    const replay = await replayOf(tenant, idempotencyKey, hash, deps);
    if (replay) return replay;
    throw new AppError("dependency.unavailable", "Retry the request.");
  }
  await enqueueOrCompensate(message, deps);
  return { messageId: message.messageId, status: "queued" };
}

/** The saved attachment `attachments[0].attachmentId` names, checked for this account (400 naming the field). */
async function savedAttachmentOf(
  integration: Integration,
  input: SendMessageInput,
  deps: AcceptDeps,
): Promise<SavedAttachment | undefined> {
  const ref = input.attachments?.[0];
  if (ref === undefined || !("attachmentId" in ref)) return undefined;
  const store = deps.savedAttachments ?? { get: async () => undefined };
  return savedAttachmentFor(integration, ref, "body.attachments.0", { store, now: deps.now });
}

/** A replay of an Idempotency-Key: `view` holds the key's record as just read; without it, it is read. */
async function replayOf(
  tenant: Tenant,
  key: string,
  hash: string,
  deps: AcceptDeps,
  view?: AcceptView,
): Promise<Accepted | undefined> {
  const previous =
    view === undefined ? await deps.store.idempotency(tenant.imoId, tenant.userId, key) : view.idempotency;
  if (previous === undefined) return undefined;
  if (previous.requestHash !== hash) {
    throw new AppError("idempotency.key_reused", "This Idempotency-Key was used with a different body.");
  }
  const message = await deps.store.get({ imoId: tenant.imoId, messageId: previous.messageId });
  if (message === undefined) throw new AppError("dependency.unavailable", "Retry the request.");
  // Still queued: the first attempt may have crashed before enqueueing. Enqueue again; duplicates are harmless.
  // A message in parts may have had only its first parts queued: its parts still queued are enqueued again.
  const unfinished =
    message.status === "queued" || (message.parts !== undefined && message.status === "sending");
  if (unfinished) await enqueueOrCompensate(message, deps);
  return { messageId: message.messageId, status: message.status };
}

async function enqueueOrCompensate(message: OutboundMessage, deps: AcceptDeps): Promise<void> {
  try {
    await deps.queue.enqueue(message);
  } catch (error) {
    await deps.store.markFailed(message, "queued", "enqueue_failed", deps.now()).catch(() => false);
    throw new AppError("dependency.unavailable", "The message could not be queued; retry the request.", {
      cause: error instanceof Error ? error.name : "unknown",
    });
  }
}

function recipientOf(input: SendMessageInput, igAccountId: string): string {
  if (input.recipientId !== undefined) return input.recipientId;
  const parsed = input.conversationId === undefined ? undefined : parseConversationId(input.conversationId);
  // A conversation of another account is as unknown to this caller as one that does not exist.
  if (parsed === undefined || parsed.igAccountId !== igAccountId) {
    throw new AppError("resource.not_found", "No such conversation for your Instagram account.");
  }
  return parsed.igsid;
}

/** The status a client sees; only the message's owner may see it (anyone else: 404, as if absent). */
export async function messageStatus(
  tenant: Tenant,
  messageId: string,
  store: Pick<OutboundStore, "get">,
): Promise<OutboundMessage & { conversationId: string }> {
  const message = await store.get({ imoId: tenant.imoId, messageId });
  // A part of a message in parts is not an app message: its state is shown on its parent.
  if (message === undefined || message.userId !== tenant.userId || message.part !== undefined) {
    throw new AppError("resource.not_found", "No such message.");
  }
  return { ...message, conversationId: conversationId(message.igAccountId, message.igsid) };
}
