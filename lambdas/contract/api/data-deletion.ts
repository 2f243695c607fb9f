import * as z from "zod";
import { IsoTime } from "./common";

/** Form body (`application/x-www-form-urlencoded`) Meta posts to deauthorize and data deletion. */
export const SignedRequestForm = z
  .object({
    signed_request: z.string().min(1).max(8192).describe("<base64url signature>.<base64url payload>"),
  })
  .meta({ id: "SignedRequestForm" });

/** What Meta requires back from the data deletion callback (standard JSON). */
export const DataDeletionResponse = z
  .object({
    url: z.url().describe("Where the user can check the status"),
    confirmation_code: z.string().regex(/^[A-Za-z0-9]+$/),
  })
  .meta({ id: "DataDeletionResponse" });

/** `GET /instagram/data-deletion/{code}` path. */
export const DataDeletionStatusPath = z.object({
  code: z.string().regex(/^[A-Za-z0-9]{1,64}$/, "Not a confirmation code"),
});

export const DataDeletionStatus = z
  .object({
    confirmationCode: z.string(),
    status: z.enum(["pending", "completed"]),
    requestedAt: IsoTime,
    completedAt: IsoTime.optional(),
    /** Counts only (never personal data): what the erasure job removed so far; final once `completed`. */
    erased: z
      .object({
        integrations: z.int().nonnegative(),
        conversations: z.int().nonnegative(),
        messages: z.int().nonnegative(),
        other: z
          .int()
          .nonnegative()
          .describe(
            "pending edits/reactions, sent-mid pointers, idempotency records, limiter state, person links",
          ),
      })
      .optional(),
  })
  .meta({ id: "DataDeletionStatus" });

export type DataDeletionResponseBody = z.input<typeof DataDeletionResponse>;
export type DataDeletionStatusBody = z.input<typeof DataDeletionStatus>;
