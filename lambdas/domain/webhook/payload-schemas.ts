import { LosslessNumber } from "lossless-json";
import * as z from "zod";
import { type AttachmentType, MEDIA_ATTACHMENT_TYPES } from "../message";

/*
 * The shapes of Meta's webhook payloads (Instagram messaging), as zod schemas. Ids arrive as lossless
 * numbers or strings and are kept as decimal strings; see parse.ts for how a body is read.
 */

/** A JS number that is exactly an integer (values already parsed by callers other than `parseDelivery`). */
export const SafeInteger = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).transform(String);

/** An id: a decimal string, or a JSON number turned into its exact digits. */
export const NumericId = z.union([
  z.string().regex(/^\d{1,40}$/),
  SafeInteger,
  z
    .instanceof(LosslessNumber)
    .refine((n) => /^\d{1,40}$/.test(n.value))
    .transform((n) => n.value),
]);

/** Opaque Meta ids (`mid`): strings; `#` is excluded because it separates parts of our keys. */
export const OpaqueId = z.union([
  z.string().regex(/^[^#\s]{1,1000}$/),
  SafeInteger,
  z
    .instanceof(LosslessNumber)
    .refine((n) => /^\d{1,40}$/.test(n.value))
    .transform((n) => n.value),
]);

/** Epoch milliseconds, as a JSON number or a digit string. */
export const EpochMs = z
  .union([z.instanceof(LosslessNumber).transform((n) => n.value), z.string(), SafeInteger])
  .pipe(z.string().regex(/^\d{1,16}$/))
  .transform(Number)
  .refine(Number.isSafeInteger);

/** A small count that may arrive as an integer or a string (`num_edit`). */
export const Count = z
  .union([z.instanceof(LosslessNumber).transform((n) => n.value), z.string(), SafeInteger])
  .pipe(z.string().regex(/^\d{1,9}$/))
  .transform(Number);

/** A free-form scalar flattened to a string (referral and opt-in fields). */
export const Scalar = z.union([
  z.string(),
  z.number().transform(String),
  z.instanceof(LosslessNumber).transform((n) => n.value),
  z.boolean().transform(String),
]);

export const Party = z.object({ id: NumericId });

export const Referral = z.record(z.string(), z.unknown()).transform(flattenScalars);

export const AttachmentSchema = z.object({
  type: z.string(),
  payload: z.object({ url: z.string().optional(), title: z.string().optional() }).loose().nullish(),
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
  mid: OpaqueId,
  title: z.string().optional(),
  payload: Scalar.optional(),
});
export const OptinBody = z.record(z.string(), z.unknown()).transform(flattenScalars);

export const Envelope = z.object({
  sender: Party,
  recipient: Party,
  timestamp: EpochMs,
});

/** Event kinds we know, in the order they are recognised (an event carries exactly one of them). */
export const KNOWN_KINDS = [
  "message",
  "message_edit",
  "reaction",
  "read",
  "postback",
  "optin",
  "referral",
] as const;
export type KnownKind = (typeof KNOWN_KINDS)[number];

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

/** Keeps the scalar fields of an object (one level of nesting, dotted) as strings. */
function flattenScalars(value: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (prefix: string, object: Record<string, unknown>, depth: number) => {
    for (const [key, field] of Object.entries(object)) {
      const name = prefix === "" ? key : `${prefix}.${key}`;
      const scalar = Scalar.safeParse(field);
      if (scalar.success) out[name] = scalar.data;
      else if (depth === 0 && typeof field === "object" && field !== null && !Array.isArray(field)) {
        add(name, field as Record<string, unknown>, 1);
      }
    }
  };
  add("", value, 0);
  return out;
}
