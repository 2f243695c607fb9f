import type {
  AttachmentType,
  Direction,
  MessageSource,
  OutboundStatus,
  SendFailureReason,
  TapKind,
  TapLinkBasis,
} from "../contract/vocabulary";
import type { RichRecord } from "./outbound/rich";

/** The vocabularies are declared once in contract; re-exported so domain code names them from one place. */
export {
  ATTACHMENT_TYPES,
  type AttachmentType,
  type Direction,
  MEDIA_ATTACHMENT_TYPES,
  type MessageSource,
  type OutboundStatus,
  type SendFailureReason,
} from "../contract/vocabulary";

export interface Attachment {
  readonly type: AttachmentType;
  /** Short-lived CDN link, stored as received; absent for `ephemeral`. */
  readonly url?: string;
  readonly title?: string;
  /** Epoch ms when the CDN link stops working (from its `oe` parameter), when the link says. */
  readonly urlExpiresAt?: number;
  /** A shared reel's id (`payload.reel_video_id`): it outlives the CDN link. */
  readonly reelVideoId?: string;
  /** A shared post's media id (`payload.ig_post_media_id`). */
  readonly igPostMediaId?: string;
}

/** A customer's tap on a quick reply or a button, and the outbound message it answers when known. */
export interface Tap {
  readonly kind: TapKind;
  readonly payload?: string;
  /** The tapped quick reply's or button's title (also the message's text). */
  readonly title?: string;
  readonly inReplyTo?: { readonly messageId: string; readonly linkedBy: TapLinkBasis };
}

export interface Reaction {
  readonly reaction: string;
  readonly emoji?: string;
  /** Epoch ms of the reaction event, so an older react/unreact cannot override a newer one. */
  readonly at: number;
  /** An unreact: kept (not deleted) so an older, late react cannot bring the reaction back. */
  readonly removed?: boolean;
}

/** A message as stored: inbound, echoed, or sent through our API. */
export interface MessageRecord {
  readonly imoId: string;
  readonly igAccountId: string;
  readonly igsid: string;
  /** Meta's `mid` for inbound and echoes; our UUID for messages accepted by the API. */
  readonly messageId: string;
  /** Meta's message id, once known (same as messageId for inbound). */
  readonly mid?: string;
  readonly direction: Direction;
  readonly source: MessageSource;
  /** Epoch ms: Meta's timestamp, or acceptance time for API messages. */
  readonly sentAt: number;
  readonly text?: string;
  readonly attachments?: readonly Attachment[];
  readonly replyToMid?: string;
  readonly replyToStory?: { readonly id?: string; readonly url?: string };
  readonly quickReplyPayload?: string;
  /** A button tap (postback): its payload; the button title is the text. */
  readonly postbackPayload?: string;
  /** A quick reply or button tap (inbound): what was tapped and which of our messages it answers. */
  readonly tap?: Tap;
  /** Meta's referral on the message or postback (ad id, source, ad title/photo; ig.me `ref`). */
  readonly referral?: Readonly<Record<string, string>>;
  /** Arrived under `standby`: another app owned the thread; it did not open our reply window. */
  readonly standby?: boolean;
  /** Keyed by the reacting party's id. */
  readonly reactions?: Readonly<Record<string, Reaction>>;
  readonly readAt?: number;
  readonly editCount?: number;
  readonly editedAt?: number;
  readonly deleted?: boolean;
  readonly deletedAt?: number;
  /** Epoch ms of the event that confirmed a message we sent (its echo). */
  readonly echoedAt?: number;
  readonly unsupported?: boolean;
  /** Outbound through the API only. */
  readonly status?: OutboundStatus;
  readonly failureReason?: SendFailureReason;
  readonly userId?: string;
  readonly tag?: "HUMAN_AGENT";
  /** Outbound through the API: what a rich message carried (kind, quick replies, template, reply). */
  readonly rich?: RichRecord;
}
