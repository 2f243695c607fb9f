import { LosslessNumber } from "lossless-json";
import * as z from "zod";

/*
 * The scalar fields of Meta's webhook payloads as they arrive on the wire: ids as decimal strings (never
 * numbers, several exceed 2^53), times in epoch ms, free-form values flattened to strings.
 */

/** A JS number that is exactly an integer (values already parsed by callers other than `parseDelivery`). */
const SafeInteger = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).transform(String);

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

/** Keeps the scalar fields of an object (one level of nesting, dotted) as strings. */
export function flattenScalars(value: Record<string, unknown>): Record<string, string> {
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
