import { isoTime } from "../contract/api/common";
import type {
  ConversationSummaryBody,
  CustomerViewBody,
  MessageViewBody,
} from "../contract/api/conversations";
import {
  type Conversation,
  conversationId,
  type ReplyWindow,
  replyWindow,
  windowAnchors,
} from "../domain/conversation";
import type { ConversationListing, Page } from "../domain/inbox/inbox";
import type { MessageRecord, Tap } from "../domain/message";
import type { RichRecord, Template } from "../domain/outbound/rich";
import type { ProfileState } from "../domain/profile/profile";

/** The body of `GET /instagram/conversations`. */
export function conversationsPageBody(page: Page<ConversationListing>): Page<ConversationSummaryBody> {
  return {
    ...page,
    items: page.items.map(({ conversation, window }) => conversationBody(conversation, window)),
  };
}

/** The body of `GET /instagram/conversations/{conversationId}/messages`, with the conversation's customer. */
export function messagesPageBody(
  page: Page<MessageRecord> & { readonly conversation?: Conversation },
): Page<MessageViewBody> & { customer?: CustomerViewBody } {
  const { conversation, ...rest } = page;
  const customer = customerView(conversation?.profile);
  return { ...rest, items: page.items.map(messageView), ...(customer === undefined ? {} : { customer }) };
}

/** The `customer` block: Meta's fields as stored (absent ones omitted), or `unavailable: true` when refused. */
export function customerView(state: ProfileState | undefined): CustomerViewBody | undefined {
  if (state === undefined) return undefined;
  const fetchedAt = isoTime(state.fetchedAt);
  if (state.status === "unavailable") return { unavailable: true, fetchedAt };
  return { ...state.profile, fetchedAt };
}

/** A conversation as the inbox shows it, with its reply window computed at `now`. */
export function conversationView(conversation: Conversation, now: number): ConversationSummaryBody {
  return conversationBody(conversation, replyWindow(windowAnchors(conversation), now));
}

function conversationBody(conversation: Conversation, window: ReplyWindow): ConversationSummaryBody {
  return {
    conversationId: conversationId(conversation.igAccountId, conversation.igsid),
    igAccountId: conversation.igAccountId,
    participant: { igsid: conversation.igsid },
    ...optionalCustomer(conversation.profile),
    lastActivityAt: isoTime(conversation.lastActivityAt),
    ...(conversation.lastMessagePreview === undefined
      ? {}
      : { lastMessagePreview: conversation.lastMessagePreview }),
    ...(conversation.lastMessageDirection === undefined
      ? {}
      : { lastMessageDirection: conversation.lastMessageDirection }),
    unreadCount: conversation.unreadCount,
    window: {
      state: window.state,
      kind: window.kind,
      ...(window.closesAt === undefined ? {} : { closesAt: isoTime(window.closesAt) }),
      ...(window.humanAgentClosesAt === undefined
        ? {}
        : { humanAgentClosesAt: isoTime(window.humanAgentClosesAt) }),
    },
    ...(conversation.adReferral === undefined
      ? {}
      : {
          adReferral: {
            at: isoTime(conversation.adReferral.at),
            referral: { ...conversation.adReferral.referral },
          },
        }),
    ...(conversation.lastReferral === undefined
      ? {}
      : {
          lastReferral: {
            at: isoTime(conversation.lastReferral.at),
            referral: { ...conversation.lastReferral.referral },
          },
        }),
    ...(conversation.optin === undefined
      ? {}
      : { optin: { at: isoTime(conversation.optin.at), fields: { ...conversation.optin.fields } } }),
  };
}

function optionalCustomer(state: ProfileState | undefined): { customer?: CustomerViewBody } {
  const customer = customerView(state);
  return customer === undefined ? {} : { customer };
}

function messageType(message: MessageRecord): MessageViewBody["type"] {
  if (message.deleted) return "deleted";
  if (message.unsupported) return "unsupported";
  if (message.attachments !== undefined && message.attachments.length > 0) return "attachment";
  return "text";
}

/** A stored message as clients see it: times as ISO strings, reactions as a list, no tenant internals. */
export function messageView(message: MessageRecord): MessageViewBody {
  const reactions = Object.entries(message.reactions ?? {})
    .filter(([, r]) => !r.removed)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([by, r]) => ({
      by,
      reaction: r.reaction,
      ...(r.emoji === undefined ? {} : { emoji: r.emoji }),
      at: isoTime(r.at),
    }));
  const optional = <K extends string, V>(key: K, value: V | undefined) =>
    (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
  return {
    messageId: message.messageId,
    ...optional("mid", message.mid),
    direction: message.direction,
    source: message.source,
    type: messageType(message),
    ...optional("text", message.deleted ? undefined : message.text),
    ...optional(
      "attachments",
      message.deleted || !message.attachments?.length
        ? undefined
        : message.attachments.map(({ urlExpiresAt, ...a }) => ({
            ...a,
            ...(urlExpiresAt === undefined ? {} : { urlExpiresAt: isoTime(urlExpiresAt) }),
          })),
    ),
    ...optional("replyToMid", message.replyToMid),
    ...optional("replyToStory", message.replyToStory && { ...message.replyToStory }),
    ...optional("quickReplyPayload", message.quickReplyPayload),
    ...optional("postbackPayload", message.postbackPayload),
    ...optional("tap", message.tap && tapView(message.tap)),
    ...optional("inReplyTo", message.tap?.inReplyTo && { ...message.tap.inReplyTo }),
    ...optional("referral", message.referral && { ...message.referral }),
    ...optional("standby", message.standby),
    ...optional("reactions", reactions.length > 0 ? reactions : undefined),
    ...optional("readAt", message.readAt === undefined ? undefined : isoTime(message.readAt)),
    ...optional(
      "seenByCustomerAt",
      message.readAt === undefined || message.direction !== "outbound" ? undefined : isoTime(message.readAt),
    ),
    ...optional("editCount", message.editCount),
    ...optional("editedAt", message.editedAt === undefined ? undefined : isoTime(message.editedAt)),
    ...optional("deleted", message.deleted),
    ...optional("status", message.status),
    ...optional("rich", message.rich && richView(message.rich)),
    ...optional("failureReason", message.failureReason),
    sentAt: isoTime(message.sentAt),
  };
}

function tapView({ inReplyTo: _, ...tap }: Tap): NonNullable<MessageViewBody["tap"]> {
  return { ...tap };
}

/** The API's view of a stored rich message: our ids only (Meta's mid of a replied message is not shown). */
function richView(rich: RichRecord): NonNullable<MessageViewBody["rich"]> {
  return {
    kind: rich.kind,
    ...(rich.quickReplies === undefined ? {} : { quickReplies: rich.quickReplies.map((q) => ({ ...q })) }),
    ...(rich.replyTo === undefined ? {} : { replyToMessageId: rich.replyTo.messageId }),
    ...(rich.sticker === undefined ? {} : { sticker: rich.sticker }),
    ...(rich.share === undefined ? {} : { share: { ...rich.share } }),
    ...(rich.template === undefined ? {} : { template: templateView(rich.template) }),
    ...(rich.parts === undefined ? {} : { parts: rich.parts.map((part) => ({ ...part })) }),
  };
}

function templateView(template: Template): NonNullable<NonNullable<MessageViewBody["rich"]>["template"]> {
  if (template.type === "button") {
    return { type: "button", text: template.text, buttons: template.buttons.map((b) => ({ ...b })) };
  }
  return {
    type: "generic",
    elements: template.elements.map(({ buttons, ...element }) => ({
      ...element,
      ...(buttons === undefined ? {} : { buttons: buttons.map((b) => ({ ...b })) }),
    })),
  };
}
