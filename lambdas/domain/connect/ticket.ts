import { createHash, randomBytes } from "node:crypto";

/** A completion ticket is valid for 10 minutes: long enough for a redirect and one API call. */
export const TICKET_LIFETIME_MS = 10 * 60 * 1000;
/** 256 bits of randomness. */
const TICKET_BYTES = 32;
/** base64url of 32 bytes. */
const TICKET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A fresh completion ticket (what the browser carries in `connect_ticket=`). */
export function newTicket(): string {
  return randomBytes(TICKET_BYTES).toString("base64url");
}

/** True when the text has the shape of a ticket; anything else is refused before any read. */
export function isTicketShaped(text: string): boolean {
  return TICKET_SHAPE.test(text);
}

/**
 * The key a ticket is stored under. Only the hash is stored, so whoever can read the table (or a backup)
 * still cannot complete a connect with what they read.
 */
export function ticketHash(ticket: string): string {
  return createHash("sha256").update(`connect-ticket:${ticket}`).digest("base64url");
}
