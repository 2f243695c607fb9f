import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Context } from "aws-lambda";
import type { HandlerName } from "../../lambdas/contract/routes";
import type { HttpEvent } from "../../lambdas/http/types";
import {
  type CompiledRoute,
  type IncomingRequest,
  MAX_BODY_BYTES,
  matchRoute,
  toHttpEvent,
  writeResult,
} from "./api-gateway";
import type { DevAuth } from "./dev-auth";

export type HttpHandler = (event: HttpEvent, context: Context) => Promise<unknown>;

/** A plain answer from a local-only route (the console, dev tokens, simulator controls). */
export interface LocalAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** A streamed answer (server-sent events): called once the headers are out; ends when the client leaves. */
  readonly stream?: (response: ServerResponse) => void;
}

/** A route that exists only in local mode; never part of the stack. */
export interface LocalRoute {
  readonly method: "GET" | "POST" | "DELETE";
  /** An exact path, or a prefix ending in `/*`. */
  readonly path: string;
  handle(request: IncomingRequest, path: string): Promise<LocalAnswer>;
}

export interface LocalHttpServerOptions {
  readonly routes: readonly CompiledRoute[];
  readonly localRoutes: readonly LocalRoute[];
  readonly auth: DevAuth;
  readonly loadHandler: (name: HandlerName) => Promise<HttpHandler>;
  readonly context: (name: HandlerName) => Context;
  readonly onError: (message: string, error: unknown) => void;
}

/** An RFC 9457 body for answers the gateway gives itself (no route, no valid token, function error). */
export function gatewayProblem(status: number, code: string, title: string, detail: string): LocalAnswer {
  return {
    status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store" },
    body: JSON.stringify({ type: `urn:instagram-dm:problem:${code}`, title, status, code, detail }),
  };
}

function writeAnswer(response: ServerResponse, answer: LocalAnswer): void {
  response.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers ?? {})) response.setHeader(name, value);
  if (answer.stream) {
    response.flushHeaders();
    answer.stream(response);
    return;
  }
  response.end(answer.body ?? "");
}

async function readBody(message: IncomingMessage): Promise<Buffer | "too_large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  // An oversized body is still read to its end (and dropped), so the client gets the 413 instead of a reset.
  for await (const chunk of message) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= MAX_BODY_BYTES) chunks.push(buffer);
  }
  return size > MAX_BODY_BYTES ? "too_large" : Buffer.concat(chunks);
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Local-only routes (dev tokens, the console, simulator controls) answer only requests made on this machine:
 * a loopback Host and no proxy headers. Through a tunnel (real Meta mode) they do not exist, so nobody on the
 * internet can mint a dev token; the stack's own routes stay reachable.
 */
export function isFromThisMachine(request: IncomingRequest): boolean {
  const host = (request.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
  const proxied = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "cf-connecting-ip"].some(
    (name) => request.headers[name] !== undefined,
  );
  return LOOPBACK_HOSTS.has(host) && !proxied;
}

function localRouteFor(routes: readonly LocalRoute[], method: string, path: string): LocalRoute | undefined {
  return routes.find(
    (route) =>
      route.method === method &&
      (route.path.endsWith("/*") ? path.startsWith(route.path.slice(0, -1)) : route.path === path),
  );
}

/**
 * The local stand-in for API Gateway's HTTP API: matches the declared routes, checks bearer tokens on JWT
 * routes as the JWT authorizer does, invokes the route's function with a payload-2.0 event and writes its
 * result; local-only routes (console, dev tokens) are answered beside it.
 */
export function createLocalHttpServer(options: LocalHttpServerOptions): Server {
  async function answer(message: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = message.method ?? "GET";
    const url = message.url ?? "/";
    const rawPath = url.split("?")[0] ?? "/";
    const body = await readBody(message);
    if (body === "too_large") {
      return writeAnswer(
        response,
        gatewayProblem(413, "request.too_large", "The request body is too large", "The limit is 10 MB."),
      );
    }
    const request: IncomingRequest = {
      method,
      url,
      headers: message.headers,
      body,
      sourceIp: message.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1",
      protocol: `HTTP/${message.httpVersion}`,
    };
    const match = matchRoute(options.routes, method, rawPath);
    if (!match) {
      const local = localRouteFor(options.localRoutes, method, rawPath);
      if (local && isFromThisMachine(request))
        return writeAnswer(response, await local.handle(request, rawPath));
      return writeAnswer(
        response,
        gatewayProblem(404, "resource.not_found", "Not found", `No route for ${method} ${rawPath}.`),
      );
    }
    let claims: Record<string, string> | undefined;
    if (match.route.declaration.auth === "jwt") {
      const verdict = await options.auth.authorize(message.headers.authorization);
      if ("refused" in verdict) {
        return writeAnswer(
          response,
          gatewayProblem(401, "auth.unauthorized", "A valid bearer token is required", verdict.refused),
        );
      }
      claims = verdict.claims;
    }
    const name = match.route.declaration.handler;
    const event = toHttpEvent(request, match, claims);
    let result: unknown;
    try {
      const handler = await options.loadHandler(name);
      result = await handler(event, options.context(name));
    } catch (error) {
      options.onError(`${name} failed`, error);
      return writeAnswer(
        response,
        gatewayProblem(
          500,
          "internal",
          "Internal error",
          `The ${name} function failed; see the local-mode log.`,
        ),
      );
    }
    writeResult(response, result);
  }

  return createServer((message, response) => {
    answer(message, response).catch((error: unknown) => {
      options.onError("request failed", error);
      if (!response.headersSent) {
        writeAnswer(response, gatewayProblem(500, "internal", "Internal error", "See the local-mode log."));
      } else response.end();
    });
  });
}

/** Listens on a port (0 for a free one) and host; a taken port is a readable error. */
export function listen(server: Server, port: number, host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`Port ${port} is in use; stop what runs there or choose another with PORT.`)
          : error,
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
