import { documentClient } from "../adapters/dynamo/client";
import { secretsLoaderFromEnv } from "../adapters/secrets";
import { MenuBody } from "../contract/api/messenger-profile";
import { Env } from "../contract/env";
import { writeProfile } from "../domain/messenger-profile";
import { tokenKeysFrom } from "../domain/token-seal";
import { jsonBody } from "../http/request";
import { json } from "../http/responses";
import { appRouteWithSecrets } from "../http/route";
import { registerSecretValue } from "../platform/redaction";
import { metaHostsFromEnv, requiredEnv } from "../platform/runtime-config";
import { messengerProfileWiring } from "../wiring/messenger-profile";

const config = { tableName: requiredEnv(Env.tableName), metaHosts: metaHostsFromEnv() };
const db = documentClient();
const loadSecrets = secretsLoaderFromEnv();

/** PUT /instagram/integration/menu: validated to Meta's limits, applied at Meta, answered as Meta holds it. */
export const handler = appRouteWithSecrets("menu-put", loadSecrets, async (event, context) => {
  const { menu } = jsonBody(event, MenuBody);
  const deps = messengerProfileWiring(config, { db }, tokenKeysFrom(context.secrets), registerSecretValue);
  return json(200, { menu: await writeProfile(deps, context.tenant, "persistent_menu", menu) });
});
