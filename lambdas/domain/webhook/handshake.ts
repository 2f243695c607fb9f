import * as z from "zod";
import { AppError, ValidationError } from "../errors";
import { constantTimeEqual } from "./signature";

/** The subscription handshake's query: Meta sends a numeric challenge; anything else here is refused. */
const HandshakeQuery = z.object({
  "hub.mode": z.literal("subscribe"),
  "hub.verify_token": z.string().min(1).max(512),
  "hub.challenge": z.string().regex(/^[A-Za-z0-9_.~-]{1,256}$/),
});

/**
 * Meta's `GET` verification: returns the challenge to echo when the verify token matches (constant time).
 * Missing or malformed parameters: 400 naming the fields (never their values); wrong token: 403.
 */
export function answerHandshake(
  query: Readonly<Record<string, string | undefined>>,
  verifyToken: string,
): string {
  const parsed = HandshakeQuery.safeParse(query);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? "query")))];
    throw new ValidationError(
      fields.map((field) => ({ field: `query.${field}`, message: "missing or malformed" })),
      "The verification request is missing or has malformed hub.* parameters.",
    );
  }
  if (!constantTimeEqual(parsed.data["hub.verify_token"], verifyToken)) {
    throw new AppError("webhook.verify_token_mismatch");
  }
  return parsed.data["hub.challenge"];
}
