import { documentClient } from "../adapters/dynamo/client";
import { dynamoSavedAttachments } from "../adapters/dynamo/saved-attachments";
import { graphMessengerProfile } from "../adapters/meta/messenger-profile";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { connectFromEnv } from "../config/connect";
import { Env } from "../contract/env";
import { disconnect } from "../domain/connect/lifecycle";
import type { Integration } from "../domain/integration";
import { openToken } from "../domain/token-seal";
import { noContent } from "../http/responses";
import { appRouteWithSecrets } from "../http/route";
import { logger } from "../platform/logger";
import { requiredEnv } from "../platform/runtime-config";
import { metaErrorFields } from "../wiring/log-fields";

const connect = connectFromEnv();
const loadSecrets = secretsLoaderFromEnv();
const attachments = dynamoSavedAttachments({ db: documentClient(), tableName: requiredEnv(Env.tableName) });

/**
 * `DELETE /instagram/integration`: the integration becomes `revoked`, its token erased and the account freed, its
 * stored attachment ids removed; ice breakers, menu and the webhook subscription are removed at Meta when no one
 * else uses the account (best effort, with the token still in hand). 204 always.
 */
export const handler = appRouteWithSecrets("integration-delete", loadSecrets, async (_event, context) => {
  const keys = connect.tokenKeys(context.secrets);
  const opened = (integration: Integration) => {
    if (integration.token === undefined) throw new Error("Integration has no token");
    const token = openToken(integration.token, keys, integration);
    connect.onSecret(token);
    return token;
  };
  const result = await disconnect(context.tenant, {
    store: connect.integrations,
    login: connect.loginClient(context.secrets),
    ...facebookOf(connect.facebookClient(context.secrets)),
    keys,
    now: connect.now,
    onSecret: connect.onSecret,
    profile: graphMessengerProfile(connect.metaHosts, opened),
    attachments,
  });
  if (typeof result.unsubscribe === "object") {
    logger.warn(
      "webhook unsubscribe failed; the integration is disconnected anyway",
      metaErrorFields(result.unsubscribe.failed),
    );
  }
  if (typeof result.profile === "object") {
    logger.warn("ice breakers / menu not removed at Meta; disconnected anyway", {
      failed: result.profile.failed,
    });
  }
  logger.info("integration disconnect", { disconnected: result.disconnected, profile: result.profile });
  return noContent();
});

const facebookOf = <T>(facebook: T | undefined) => (facebook === undefined ? {} : { facebook });
