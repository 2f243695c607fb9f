import { createHmac } from "node:crypto";

/**
 * Serialises a value the way Meta writes webhook bodies: compact JSON with every non-ASCII UTF-16 code unit
 * escaped as `\uXXXX` in lowercase hex (so an emoji becomes its two escaped surrogates).
 */
export function metaJson(value: unknown, options: { escapeSlashes?: boolean } = {}): string {
  const compact = JSON.stringify(value);
  if (compact === undefined) throw new TypeError("metaJson: value is not serialisable");
  // PHP-style `\/` appears in some live payloads (unverified for Instagram); off by default, useful to prove
  // a verifier hashes the raw bytes rather than a re-serialisation.
  const slashes = options.escapeSlashes === true ? compact.replaceAll("/", "\\/") : compact;
  return slashes.replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The `X-Hub-Signature-256` value Meta sends: `sha256=` + lowercase hex HMAC-SHA256 of the raw body bytes. */
export function signMetaBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * A `signed_request` as Meta posts it to the deauthorize and data-deletion callbacks: base64url of the raw
 * HMAC-SHA256 of the base64url payload, a dot, then that payload (shared/reference/signed-request.md).
 */
export function signedRequest(payload: object, secret: string): string {
  const encoded = Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
  const signature = createHmac("sha256", secret).update(encoded, "utf8").digest("base64url");
  return `${signature}.${encoded}`;
}
