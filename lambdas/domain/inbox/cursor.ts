import { ValidationError } from "../errors";

/** Where the next page of a query starts: the store's last evaluated key, every attribute a string. */
export type PageKey = Readonly<Record<string, string>>;

const MAX_CURSOR_LENGTH = 2048;
/**
 * DynamoDB limits key attributes in bytes (UTF-8): 2,048 for a partition key, 1,024 for a sort key. Every
 * value is held to the smaller, so no cursor reaches DynamoDB with a key it would refuse.
 */
const MAX_KEY_VALUE_BYTES = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

interface CursorBody {
  readonly v: 1;
  /** The caller and list the cursor was issued for; a cursor only continues that same list. */
  readonly s: string;
  readonly k: PageKey;
}

/**
 * An opaque cursor for the page after `key`, bound to `scope` (the caller and the list). The store re-checks
 * that the key lies in the caller's partition, so a forged cursor can at most reposition within the caller's
 * own data.
 */
export function encodeCursor(scope: string, key: PageKey): string {
  const body: CursorBody = { v: 1, s: scope, k: key };
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

function invalid(message: string): ValidationError {
  return new ValidationError([{ field: "query.cursor", message }], "The cursor is not valid for this list");
}

function isPageKey(value: unknown): value is PageKey {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length > 0 &&
    entries.length <= 8 &&
    entries.every(
      ([, v]) => typeof v === "string" && v.length > 0 && Buffer.byteLength(v, "utf8") <= MAX_KEY_VALUE_BYTES,
    )
  );
}

/** The key a cursor continues from; anything malformed, tampered or issued for another scope is a 400. */
export function decodeCursor(cursor: string, scope: string): PageKey {
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw invalid("Malformed cursor");
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid("Malformed cursor");
  }
  if (typeof body !== "object" || body === null) throw invalid("Malformed cursor");
  const { v, s, k } = body as Record<string, unknown>;
  if (v !== 1 || typeof s !== "string" || !isPageKey(k)) throw invalid("Malformed cursor");
  if (s !== scope) throw invalid("The cursor belongs to another list");
  return k;
}
