import type middy from "@middy/core";
import { AppError } from "../domain/errors";
import { problem, problemFromError } from "../http/responses";
import type { HttpEvent, HttpResult } from "../http/types";
import { logger } from "../platform/logger";

/**
 * Maps any error to an RFC 9457 problem+json response. Expected errors (AppError) keep their code;
 * anything else is logged and answered as a bare 500 so no internals or secrets reach the client.
 * Registered right after logging, so its onError sees every failure of later middleware and the handler.
 */
export function problemDetails(): middy.MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof AppError) {
        if (error.status >= 500) logger.error("request failed", { code: error.code, error });
        else logger.info("request rejected", { code: error.code, status: error.status });
        request.response = problemFromError(error);
        return;
      }
      logger.error("unhandled error", { error });
      request.response = problem("internal");
    },
  };
}
