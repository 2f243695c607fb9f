import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Context } from "aws-lambda";
import {
  compileRoutes,
  lambdaContext,
  MAX_BODY_BYTES,
  matchRoute,
  toHttpEvent,
  writeResult,
} from "../../dev/local-server/api-gateway";
import type { RouteDeclaration } from "../../lambdas/contract/routes";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";

export type HttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export interface HostedRoute {
  readonly route: RouteDeclaration;
  readonly handler: HttpHandler;
}

export interface HttpHost {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Serves handlers over node:http the way local mode does: the request becomes the HTTP API's payload-2.0
 * event (local mode's own builder), the handler's result is written as the HTTP API writes it. Public routes
 * only: JWT routes get claims from the `x-bench-claims` header (JSON), standing in for the authorizer.
 */
export async function startHttpHost(routes: readonly HostedRoute[]): Promise<HttpHost> {
  const compiled = compileRoutes(routes.map((r) => r.route));
  const handlers = new Map(routes.map((r) => [`${r.route.method} ${r.route.path}`, r.handler]));
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      void (async () => {
        if (size > MAX_BODY_BYTES) {
          res.statusCode = 413;
          res.end('{"message":"Request Entity Too Large"}');
          return;
        }
        const match = matchRoute(compiled, req.method ?? "GET", (req.url ?? "/").split("?")[0] ?? "/");
        const handler = match ? handlers.get(match.route.routeKey) : undefined;
        if (!match || !handler) {
          res.statusCode = 404;
          res.end('{"message":"Not Found"}');
          return;
        }
        const claimsHeader = req.headers["x-bench-claims"];
        const claims =
          typeof claimsHeader === "string" ? (JSON.parse(claimsHeader) as Record<string, string>) : undefined;
        const event = toHttpEvent(
          {
            method: req.method ?? "GET",
            url: req.url ?? "/",
            headers: req.headers,
            body: Buffer.concat(chunks),
            sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
            protocol: `HTTP/${req.httpVersion}`,
          },
          match,
          claims,
        );
        try {
          writeResult(res, await handler(event, lambdaContext(match.route.declaration.handler, 29_000)));
        } catch {
          // An unhandled function error: API Gateway answers 500 with its own body.
          res.statusCode = 500;
          res.setHeader("content-type", "application/json");
          res.end('{"message":"Internal Server Error"}');
        }
      })();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
