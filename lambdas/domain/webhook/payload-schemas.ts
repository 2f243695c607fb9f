import * as z from "zod";
import { type AttachmentType, MEDIA_ATTACHMENT_TYPES } from "../message";
import { Count, EpochMs, flattenScalars, NumericId, OpaqueId, Scalar } from "./wire-fields";

/*
 * The shapes of Meta's webhook payloads (Instagram messaging), as zod schemas. Ids arrive as lossless
 * numbers or strings and are kept as decimal strings; see parse.ts for how a body is read.
 */

export const Party = z.object({ id: NumericId });

export const Referral = z.record(z.string(), z.unknown()).transform(flattenScalars);

export const AttachmentSchema = z.object({
  type: z.string(),
  payload: z
    .object({
      url: z.string().optional(),
      title: z.string().optional(),
      // The shared reel / post, so the app can find it after its CDN link expires.
      reel_video_id: Scalar.optional(),
      ig_post_media_id: Scalar.optional(),
    })
    .loose()
    .nullish(),
});

export const MessageBody = z.object({
  mid: OpaqueId,
  text: z.string().optional(),
  attachments: z.array(AttachmentSchema).optional(),
  is_echo: z.boolean().optional(),
  is_deleted: z.boolean().optional(),
  is_unsupported: z.boolean().optional(),
  reply_to: z
    .object({
      mid: OpaqueId.optional(),
      story: z.object({ id: Scalar.optional(), url: z.string().optional() }).optional(),
    })
    .optional(),
  quick_reply: z.object({ payload: Scalar }).optional(),
  referral: Referral.optional(),
});

export const EditBody = z.object({ mid: OpaqueId, text: z.string().default(""), num_edit: Count });
export const ReactionBody = z.object({
  mid: OpaqueId,
  action: z.enum(["react", "unreact"]),
  reaction: z.string().optional(),
  emoji: z.string().optional(),
});
export const ReadBody = z.object({ mid: OpaqueId });
export const PostbackBody = z.object({
  // Ice breaker and persistent menu taps carry none (docs/webhooks.md, "Taps").
  mid: OpaqueId.optional(),
  title: z.string().optional(),
  payload: Scalar.optional(),
  referral: Referral.optional(),
});
export const OptinBody = z.record(z.string(), z.unknown()).transform(flattenScalars);

export const Envelope = z.object({
  sender: Party,
  recipient: Party,
  timestamp: EpochMs,
});

/** Opt-in fields never kept: the token is a credential for sending marketing messages. */
export const OPTIN_DROPPED = new Set(["notification_messages_token", "token"]);

export const EntrySchema = z.object({
  id: NumericId,
  time: EpochMs.optional(),
  messaging: z.array(z.unknown()).optional(),
  standby: z.array(z.unknown()).optional(),
  changes: z.array(z.unknown()).optional(),
});

export const DeliverySchema = z.object({
  object: z.literal("instagram"),
  entry: z.array(EntrySchema).max(10_000),
});

export const ChangeSchema = z.object({ field: z.string() });

export const KNOWN_ATTACHMENT_TYPES: ReadonlySet<string> = new Set<AttachmentType>(MEDIA_ATTACHMENT_TYPES);
