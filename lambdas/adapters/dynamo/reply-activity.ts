import type { OutboundMessage } from "../../domain/outbound/ports";
import { previewText } from "../../domain/webhook/conversation-effect";
import { ACTIVITY_ONLY } from "../../domain/webhook/conversation-levels";
import type { DynamoAccess } from "./capacity";
import { updateIf } from "./conditional";
import { conversationUpdate } from "./inbound-items";
import { Keys } from "./keys";
import { outboundKind } from "./outbound-rich-item";

/** The inbox line of a reply sent through the API, as the webhook side would write it for its echo. */
function replyPreview(message: OutboundMessage): string {
  const { content } = message;
  if ("text" in content) return previewText(content.text);
  if ("attachment" in content) return `[${content.attachment.type}]`;
  if ("savedAttachment" in content) return `[${content.savedAttachment.type}]`;
  if ("template" in content && content.template.type === "button") return previewText(content.template.text);
  return `[${outboundKind(content)}]`;
}

/**
 * Moves the conversation's preview, direction and last activity to a reply Meta just accepted, so the inbox
 * does not wait for an echo that may never come. The same forward-only rule as every inbound write: only
 * when nothing later is already shown (a later echo or customer message wins), never the unread count or
 * the reply window, and never a conversation that no longer exists (erased meanwhile). Returns whether it
 * moved.
 */
export async function noteReplyActivity(
  access: DynamoAccess,
  message: OutboundMessage,
  at: number,
): Promise<boolean> {
  const ref = { imoId: message.imoId, igAccountId: message.igAccountId, igsid: message.igsid };
  const { builder, condition } = conversationUpdate(
    ref,
    {
      at,
      messageId: message.messageId,
      direction: "outbound",
      preview: replyPreview(message),
      unreadIncrement: 0,
      opensWindow: false,
    },
    ACTIVITY_ONLY,
  );
  const key = Keys.conversation(ref.imoId, ref.igAccountId, ref.igsid);
  // `condition` is already parenthesised by allOf; wrapping it again is a DynamoDB validation error.
  const exists = `attribute_exists(${builder.path("pk")})`;
  return updateIf(access, key, builder, condition === undefined ? exists : `${exists} AND ${condition}`);
}
