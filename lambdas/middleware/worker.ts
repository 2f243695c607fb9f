import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { flushMetrics } from "../adapters/metrics";
import { logger } from "./logger";

/**
 * The middy chain of the non-HTTP functions (the SQS sender, the scheduled refresh): the logger carries
 * the function's context, and buffered metrics are flushed after every invocation, failed or not.
 */
export function workerHandler<TEvent, TResult>(inner: (event: TEvent, context: Context) => Promise<TResult>) {
  return middy<TEvent, TResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics())
    .handler(inner);
}
