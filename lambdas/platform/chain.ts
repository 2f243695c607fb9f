import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { logger } from "./logger";
import { flushMetrics } from "./metrics";
import { tracer } from "./tracer";

/**
 * The first steps of every function's middy chain: a trace segment per invocation (a no-op when tracing is
 * off) and the logger carrying the function's context. HTTP routes and workers add their own steps after these.
 */
export function lambdaSteps() {
  return [
    captureLambdaHandler(tracer, { captureResponse: false }),
    injectLambdaContext(logger, { resetKeys: true }),
  ];
}

/**
 * The chain of the non-HTTP functions (the SQS sender, the scheduled refresh): buffered metrics are flushed
 * after every invocation, failed or not.
 */
export function workerHandler<TEvent, TResult>(inner: (event: TEvent, context: Context) => Promise<TResult>) {
  return middy<TEvent, TResult>().use(lambdaSteps()).use(flushMetrics()).handler(inner);
}
