import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { Loader } from "../adapters/secrets";
import type { JwtHandlerName } from "../contract/routes";
import { appSecrets, type ContextWithSecrets } from "../middleware/app-secrets";
import { correlationId } from "../middleware/correlation-id";
import { problemDetails } from "../middleware/problem-details";
import { type ContextWithTenant, tenant } from "../middleware/tenant";
import { lambdaSteps } from "../platform/chain";
import { claimNamesFromEnv } from "../platform/runtime-config";
import type { HttpEvent, HttpResult } from "./types";

export type HttpInner<TContext extends Context = Context> = (
  event: HttpEvent,
  context: TContext,
) => Promise<HttpResult>;

/**
 * What Lambda (and local mode, and tests) invoke: a plain context goes in, and the chain's own steps add what
 * the inner function's context declares (secrets, tenant). Middy types the entry with the inner context, so
 * each builder states the outer one.
 */
export type HttpHandler = middy.MiddyfiedHandler<HttpEvent, HttpResult, Error, Context>;

/**
 * The steps every HTTP handler shares: the base steps (trace, logger), the request id as correlation id, then
 * problem+json error mapping (registered before the steps that may fail, so its onError sees every error).
 */
function httpSteps() {
  return [...lambdaSteps(), correlationId(), problemDetails()];
}

/** A public route (called by Meta or a browser; it authenticates itself). */
export function httpRoute(inner: HttpInner): HttpHandler {
  return middy<HttpEvent, HttpResult>().use(httpSteps()).handler(inner);
}

/** A public route with the secrets it is granted loaded (cached per container) onto the context. */
export function httpRouteWithSecrets<TSecrets>(
  load: Loader<TSecrets>,
  inner: HttpInner<ContextWithSecrets<TSecrets>>,
): HttpHandler {
  return middy<HttpEvent, HttpResult, Error, ContextWithSecrets<TSecrets>>()
    .use(httpSteps())
    .use(appSecrets(load))
    .handler(inner) as unknown as HttpHandler;
}

/** A route of the app's API: the caller's tenant, from the JWT claims, is on the context (401 without). */
export function appRoute(route: JwtHandlerName, inner: HttpInner<ContextWithTenant>): HttpHandler {
  return middy<HttpEvent, HttpResult, Error, ContextWithTenant>()
    .use(httpSteps())
    .use(tenant(route, claimNamesFromEnv()))
    .handler(inner) as unknown as HttpHandler;
}

/** An app API route that also needs the secrets it is granted. */
export function appRouteWithSecrets<TSecrets>(
  route: JwtHandlerName,
  load: Loader<TSecrets>,
  inner: HttpInner<ContextWithTenant & ContextWithSecrets<TSecrets>>,
): HttpHandler {
  return middy<HttpEvent, HttpResult, Error, ContextWithTenant & ContextWithSecrets<TSecrets>>()
    .use(httpSteps())
    .use(tenant(route, claimNamesFromEnv()))
    .use(appSecrets(load))
    .handler(inner) as unknown as HttpHandler;
}
