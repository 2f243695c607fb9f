import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import { lambdaContext as localLambdaContext } from "../../dev/local-server/api-gateway";
import type { HttpEvent } from "../../lambdas/http/types";

export interface HttpEventInput {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** The route template, e.g. /instagram/messages/{messageId}. */
  readonly route: string;
  /** The concrete path; defaults to the route. */
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly pathParameters?: Record<string, string>;
  /** A string body is sent as-is; a Buffer is base64-encoded as API Gateway does for binary bodies. */
  readonly body?: string | Buffer;
  /** JWT claims as the HTTP API's JWT authorizer passes them after verifying the token. */
  readonly claims?: Record<string, string>;
}

/** An API Gateway HTTP API (payload 2.0) event, shaped as AWS and local mode deliver it. */
export function httpEvent(input: HttpEventInput): HttpEvent {
  const path = input.path ?? input.route;
  const headers = Object.fromEntries(
    Object.entries(input.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const query = input.query ?? {};
  const rawQueryString = new URLSearchParams(query).toString();
  const isBinary = Buffer.isBuffer(input.body);
  return {
    version: "2.0",
    routeKey: `${input.method} ${input.route}`,
    rawPath: path,
    rawQueryString,
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    ...(input.body === undefined
      ? {}
      : { body: isBinary ? (input.body as Buffer).toString("base64") : (input.body as string) }),
    isBase64Encoded: isBinary,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: { method: input.method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: randomUUID(),
      routeKey: `${input.method} ${input.route}`,
      stage: "$default",
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      ...(input.claims ? { authorizer: { jwt: { claims: input.claims, scopes: null } } } : {}),
    },
  };
}

/** A Lambda context for invoking handlers directly (the one local mode builds, with a 30-second budget). */
export function lambdaContext(functionName = "test"): Context {
  return localLambdaContext(functionName, 30_000);
}
