import { secretsLoaderFromEnv } from "../adapters/secrets";
import { connectFromEnv } from "../config/connect";
import { disconnect } from "../domain/connect/lifecycle";
import { noContent } from "../http/responses";
import { appRouteWithSecrets } from "../http/route";
import { logger } from "../platform/logger";
import { metaErrorFields } from "../wiring/log-fields";

const connect = connectFromEnv();
const loadSecrets = secretsLoaderFromEnv();

/**
 * `DELETE /instagram/integration`: the integration becomes `revoked`, its token erased and the account freed;
 * the webhook subscription is removed at Meta when no one else uses the account (best effort). 204 always.
 */
export const handler = appRouteWithSecrets("integration-delete", loadSecrets, async (_event, context) => {
  const result = await disconnect(context.tenant, {
    store: connect.integrations,
    login: connect.loginClient(context.secrets),
    ...facebookOf(connect.facebookClient(context.secrets)),
    keys: connect.tokenKeys(context.secrets),
    now: connect.now,
    onSecret: connect.onSecret,
  });
  if (typeof result.unsubscribe === "object") {
    logger.warn(
      "webhook unsubscribe failed; the integration is disconnected anyway",
      metaErrorFields(result.unsubscribe.failed),
    );
  }
  logger.info("integration disconnect", { disconnected: result.disconnected });
  return noContent();
});

const facebookOf = <T>(facebook: T | undefined) => (facebook === undefined ? {} : { facebook });
