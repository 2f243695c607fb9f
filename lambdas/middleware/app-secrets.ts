import type middy from "@middy/core";
import type { Context } from "aws-lambda";
import type { Loader } from "../adapters/secrets";
import type { AppSecrets } from "../contract/secrets";

/** The context once a secret (the Meta credentials, the token keys, or both) is loaded onto it. */
export type ContextWithSecrets<TSecrets = AppSecrets> = Context & { secrets: TSecrets };

/** Puts the (cached) secrets this function is granted on the context before the handler runs. */
export function appSecrets<TEvent, TResult, TSecrets>(
  load: Loader<TSecrets>,
): middy.MiddlewareObj<TEvent, TResult, Error, ContextWithSecrets<TSecrets>> {
  return {
    before: async (request) => {
      request.context.secrets = await load();
    },
  };
}
