import type middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { SecretsLoader } from "../adapters/secrets";
import type { AppSecrets } from "../contract/secrets";

export type ContextWithSecrets = Context & { secrets: AppSecrets };

/** Puts the (cached) application secrets on the context before the handler runs. */
export function appSecrets<TEvent, TResult>(
  load: SecretsLoader,
): middy.MiddlewareObj<TEvent, TResult, Error, ContextWithSecrets> {
  return {
    before: async (request) => {
      request.context.secrets = await load();
    },
  };
}
