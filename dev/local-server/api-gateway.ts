import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { Context } from "aws-lambda";
import type { RouteDeclaration } from "../../lambdas/contract/routes";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";

/** API Gateway HTTP API's request payload limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** A route template compiled once: `/instagram/messages/{messageId}` matches one path segment per parameter. */
export interface CompiledRoute {
  readonly declaration: RouteDeclaration;
  readonly routeKey: string;
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
}

export function compileRoutes(routes: readonly RouteDeclaration[]): CompiledRoute[] {
  return routes.map((declaration) => {
    const parameterNames: string[] = [];
    const source = declaration.path
      .split("/")
      .map((segment) => {
        const parameter = /^\{([A-Za-z0-9_]+)\}$/.exec(segment);
        if (parameter?.[1]) {
          parameterNames.push(parameter[1]);
          return "([^/]+)";
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/");
    return {
      declaration,
      routeKey: `${declaration.method} ${declaration.path}`,
      pattern: new RegExp(`^${source}$`),
      parameterNames,
    };
  });
}

export interface RouteMatch {
  readonly route: CompiledRoute;
  readonly pathParameters: Record<string, string>;
}

/** Finds the route for a method and raw path as the HTTP API does (no match for either: 404). */
export function matchRoute(
  routes: readonly CompiledRoute[],
  method: string,
  rawPath: string,
): RouteMatch | undefined {
  for (const route of routes) {
    if (route.declaration.method !== method) continue;
    const match = route.pattern.exec(rawPath);
    if (!match) continue;
    const pathParameters: Record<string, string> = {};
    route.parameterNames.forEach((name, index) => {
      const raw = match[index + 1] ?? "";
      try {
        pathParameters[name] = decodeURIComponent(raw);
      } catch {
        pathParameters[name] = raw;
      }
    });
    return { route, pathParameters };
  }
  return undefined;
}

/**
 * Whether the HTTP API passes a body as text: text types, JSON and XML. Everything else, including
 * `application/x-www-form-urlencoded` and bodies without a content type, arrives base64-encoded.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return (
    type.startsWith("text/") ||
    type === "application/json" ||
    type.endsWith("+json") ||
    type === "application/xml" ||
    type.endsWith("+xml") ||
    type === "application/javascript"
  );
}

/** Formats a time as the HTTP API's `requestContext.time` (`25/Nov/2026:09:48:17 +0000`). */
export function requestTime(date: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

export interface IncomingRequest {
  readonly method: string;
  /** The request target as received (`/path?query`). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly protocol: string;
}

/**
 * Builds the payload-2.0 event the HTTP API would deliver: lowercased headers (repeats joined by commas),
 * cookies split out of the `cookie` header, the raw and parsed query string (repeats joined by commas),
 * decoded path parameters, a text or base64 body, and the request context.
 */
export function toHttpEvent(
  request: IncomingRequest,
  match: RouteMatch,
  claims: Record<string, string> | undefined,
  now: Date = new Date(),
): HttpEvent {
  const questionMark = request.url.indexOf("?");
  const rawPath = questionMark === -1 ? request.url : request.url.slice(0, questionMark);
  const rawQueryString = questionMark === -1 ? "" : request.url.slice(questionMark + 1);
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === "cookie") {
      cookies = (Array.isArray(value) ? value.join("; ") : value).split(/;\s*/).filter((c) => c !== "");
      continue;
    }
    headers[lower] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  const hasBody = request.body.length > 0;
  const asText = isTextContentType(headers["content-type"]);
  const routeKey = match.route.routeKey;
  return {
    version: "2.0",
    routeKey,
    rawPath,
    rawQueryString,
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
    ...(hasBody ? { body: asText ? request.body.toString("utf8") : request.body.toString("base64") } : {}),
    isBase64Encoded: hasBody && !asText,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host?.split(":")[0] ?? "localhost",
      domainPrefix: headers.host?.split(".")[0]?.split(":")[0] ?? "localhost",
      http: {
        method: request.method,
        path: rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey,
      stage: "$default",
      time: requestTime(now),
      timeEpoch: now.getTime(),
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
  } as HttpEvent;
}

/** A Lambda context for one invocation of a locally run function. */
export function lambdaContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Writes a function's result as the HTTP API does: a structured result as given (cookies as Set-Cookie
 * headers, base64 bodies decoded); anything else (a bare string or object) as a 200 JSON body.
 */
export function writeResult(response: ServerResponse, result: unknown): void {
  if (typeof result === "object" && result !== null && "statusCode" in result) {
    const structured = result as HttpResult;
    for (const [name, value] of Object.entries(structured.headers ?? {}))
      response.setHeader(name, String(value));
    if (structured.cookies && structured.cookies.length > 0)
      response.setHeader("set-cookie", structured.cookies);
    const body = structured.body ?? "";
    response.statusCode = structured.statusCode;
    response.end(structured.isBase64Encoded ? Buffer.from(body, "base64") : body);
    return;
  }
  response.statusCode = 200;
  response.setHeader("content-type", "application/json");
  response.end(typeof result === "string" ? result : JSON.stringify(result ?? null));
}
