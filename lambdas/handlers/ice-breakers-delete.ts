import { documentClient } from "../adapters/dynamo/client";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { Env } from "../contract/env";
import { clearProfile } from "../domain/messenger-profile";
import { tokenKeysFrom } from "../domain/token-seal";
import { noContent } from "../http/responses";
import { appRouteWithSecrets } from "../http/route";
import { registerSecretValue } from "../platform/redaction";
import { metaHostsFromEnv, requiredEnv } from "../platform/runtime-config";
import { messengerProfileWiring } from "../wiring/messenger-profile";

const config = { tableName: requiredEnv(Env.tableName), metaHosts: metaHostsFromEnv() };
const db = documentClient();
const loadSecrets = secretsLoaderFromEnv();

/** DELETE /instagram/integration/ice-breakers: removed at Meta (Meta's DELETE messenger_profile with fields). */
export const handler = appRouteWithSecrets("ice-breakers-delete", loadSecrets, async (_event, context) => {
  const deps = messengerProfileWiring(config, { db }, tokenKeysFrom(context.secrets), registerSecretValue);
  await clearProfile(deps, context.tenant, "ice_breakers");
  return noContent();
});
