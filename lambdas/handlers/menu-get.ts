import { documentClient } from "../adapters/dynamo/client";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { Env } from "../contract/env";
import { readProfile } from "../domain/messenger-profile";
import { tokenKeysFrom } from "../domain/token-seal";
import { json } from "../http/responses";
import { appRouteWithSecrets } from "../http/route";
import { registerSecretValue } from "../platform/redaction";
import { metaHostsFromEnv, requiredEnv } from "../platform/runtime-config";
import { messengerProfileWiring } from "../wiring/messenger-profile";

const config = { tableName: requiredEnv(Env.tableName), metaHosts: metaHostsFromEnv() };
const db = documentClient();
const loadSecrets = secretsLoaderFromEnv();

/** GET /instagram/integration/menu: as Meta holds it now (read from Meta with the account's token). */
export const handler = appRouteWithSecrets("menu-get", loadSecrets, async (_event, context) => {
  const deps = messengerProfileWiring(config, { db }, tokenKeysFrom(context.secrets), registerSecretValue);
  return json(200, { menu: await readProfile(deps, context.tenant, "persistent_menu") });
});
