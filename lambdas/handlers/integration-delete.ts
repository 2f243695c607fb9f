import { claimNamesFromEnv } from "../adapters/runtime-config";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { connectFromEnv } from "../config/connect";
import { disconnect } from "../domain/connect/lifecycle";
import { httpRouteWithSecrets } from "../middleware/http-route";
import { logger } from "../middleware/logger";
import { tenantOf } from "../middleware/request";
import { metaErrorFields } from "../wiring/log-fields";

const claimNames = claimNamesFromEnv();
const connect = connectFromEnv();
const loadSecrets = secretsLoaderFromEnv();

/**
 * `DELETE /instagram/integration`: the integration becomes `revoked`, its token erased and the account freed;
 * the webhook subscription is removed at Meta when no one else uses the account (best effort). 204 always.
 */
export const handler = httpRouteWithSecrets(loadSecrets, async (event, context) => {
  const tenant = tenantOf(event, claimNames);
  const result = await disconnect(tenant, {
    store: connect.integrations,
    login: connect.loginClient(context.secrets),
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
  return { statusCode: 204, headers: { "cache-control": "no-store" }, body: "" };
});
