import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { SecretsLoader } from "../adapters/secrets";
import { appSecrets, type ContextWithSecrets } from "./app-secrets";
import type { HttpEvent, HttpResult } from "./http-types";
import { logger } from "./logger";
import { problemDetails } from "./problem-details";

export type HttpInner = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/**
 * The middy chain every HTTP handler shares: logger with the API Gateway request id as correlation id,
 * then problem+json error mapping (last, so it sees every error).
 */
export function httpRoute(inner: HttpInner) {
  return middy<HttpEvent, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      before: async (request) => {
        logger.setCorrelationId(request.event.requestContext?.requestId);
      },
    })
    .use(problemDetails())
    .handler(inner);
}

export type HttpInnerWithSecrets = (event: HttpEvent, context: ContextWithSecrets) => Promise<HttpResult>;

/** Like httpRoute, with the application secrets loaded (cached per container) onto the context. */
export function httpRouteWithSecrets(load: SecretsLoader, inner: HttpInnerWithSecrets) {
  return middy<HttpEvent, HttpResult, Error, ContextWithSecrets>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      before: async (request) => {
        logger.setCorrelationId(request.event.requestContext?.requestId);
      },
    })
    .use(problemDetails())
    .use(appSecrets(load))
    .handler(inner);
}
