import type { IncomingMessage } from "node:http";
import type { GraphError } from "./graph-errors";

/* The small HTTP toolkit the routes share: parsed requests, replies, body parsing. */

const MASKED_PARAMS = new Set(["access_token", "client_secret", "code", "fb_exchange_token", "input_token"]);

/** What a route answers. */
export interface Reply {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
}

/** A request, body read and (for form posts) parsed. */
export interface Req {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
  readonly raw: Buffer;
  readonly form: URLSearchParams | undefined;
}

export const json = (status: number, value: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body: JSON.stringify(value),
  headers,
});
export const graph = (e: GraphError): Reply => json(e.status, e.body);
export const html = (status: number, body: string): Reply => ({
  status,
  body,
  contentType: "text/html; charset=utf-8",
});
export const redirect = (location: string): Reply => ({ status: 302, body: "", headers: { location } });

/** A dropped connection (the `timeout` fault). */
export const DROP = Symbol("drop");

export function mask(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) out[k] = MASKED_PARAMS.has(k) ? "***" : v;
  return out;
}

export function splitList(value: string | null): string[] {
  return (value ?? "").split(/[,\s]+/).filter((s) => s !== "");
}

export function withParams(base: string, params: [string, string][], fragment = ""): string {
  const url = new URL(base);
  for (const [k, v] of params) url.searchParams.append(k, v);
  return `${url.toString()}${fragment}`;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > 1_048_576) throw new Error("body too large");
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export async function formOf(
  raw: Buffer,
  contentType: string | undefined,
): Promise<URLSearchParams | undefined> {
  if (contentType === undefined) return undefined;
  if (contentType.startsWith("application/x-www-form-urlencoded"))
    return new URLSearchParams(raw.toString("utf8"));
  if (contentType.startsWith("multipart/form-data")) {
    const data = await new Response(new Uint8Array(raw), {
      headers: { "content-type": contentType },
    }).formData();
    const out = new URLSearchParams();
    for (const [k, v] of data) if (typeof v === "string") out.append(k, v);
    return out;
  }
  return undefined;
}

/** A route's outcome: a reply, or DROP to cut the connection. */
export type Answer = Reply | typeof DROP;
