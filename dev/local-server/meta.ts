import { Paths } from "../../lambdas/contract/routes";
import { startMetaSimulator } from "../meta-simulator";
import { sendCapPerHour } from "./handler-environment";
import type { LocalSecrets } from "./local-secrets";
import type { LocalSettings } from "./settings";
import type { StopStack } from "./stop-stack";

/**
 * Starts the Meta simulator unless real or custom Meta hosts are configured; resolves to its base URL. It signs
 * webhook deliveries with the app secret the handlers load, and delivers them to this server's webhook.
 */
export async function startMeta(
  settings: LocalSettings,
  secrets: LocalSecrets,
  urls: { port: number; publicBaseUrl: string },
  stops: StopStack,
): Promise<string | undefined> {
  if (settings.metaMode !== "simulator") return undefined;
  const simulator = await startMetaSimulator({
    ...(settings.metaSimulatorPort === undefined ? {} : { port: settings.metaSimulatorPort }),
    appId: secrets.appId,
    appSecret: secrets.appSecret,
    webhookUrl: `http://127.0.0.1:${urls.port}${Paths.webhook}`,
    redirectUris: [`${urls.publicBaseUrl}${Paths.oauthCallback}`],
    sendCapPerHour: sendCapPerHour(),
    ...(settings.metaSimulatorHistory === undefined ? {} : { history: settings.metaSimulatorHistory }),
  });
  stops.push(() => simulator.stop());
  return simulator.url.replace(/\/+$/, "");
}
