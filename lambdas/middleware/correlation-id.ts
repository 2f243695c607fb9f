import type middy from "@middy/core";
import type { HttpEvent, HttpResult } from "../http/types";
import { logger } from "../platform/logger";

/** Every log line of an HTTP invocation carries API Gateway's request id as its correlation id. */
export function correlationId(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async (request) => {
      logger.setCorrelationId(request.event.requestContext?.requestId);
    },
  };
}
