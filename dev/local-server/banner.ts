import { relative } from "node:path";
import { Paths } from "../../lambdas/contract/routes";
import { SecretFields } from "../../lambdas/contract/secrets";
import type { LocalMode } from "./start";

type BannerFacts = Pick<
  LocalMode,
  | "url"
  | "metaMode"
  | "metaHosts"
  | "publicBaseUrl"
  | "simulatorUrl"
  | "dynamoDbEndpoint"
  | "sqsEndpoint"
  | "tableName"
  | "outboundQueueUrl"
  | "secretsFile"
  | "secretSources"
  | "persistPath"
  | "handlerLoadErrors"
> & { readonly events?: Pick<LocalMode["events"], "webhook"> };

/** A path relative to where `npm run dev` was typed, when that is shorter. */
function near(path: string, cwd: string): string {
  const relativePath = relative(cwd, path);
  return relativePath === "" ? "." : relativePath.startsWith("..") ? path : relativePath;
}

function metaLine(mode: BannerFacts): string {
  if (mode.simulatorUrl) {
    return `  Meta           simulator at ${mode.simulatorUrl}   (admin: ${mode.url}/dev/simulator/state)`;
  }
  const hosts = mode.metaHosts;
  const named = hosts ? `OAuth ${hosts.oauth}, API ${hosts.api}, Graph ${hosts.graph}` : "";
  return mode.metaMode === "custom"
    ? `  Meta           custom hosts (simulator off): ${named}`
    : `  Meta           real hosts (simulator off): ${named}`;
}

/** One line per secret field: where its value came from (environment, secrets file, not set), never the value. */
function secretLines(mode: BannerFacts, cwd: string): string[] {
  const width = Math.max(...mode.secretSources.map(({ field }) => field.length));
  return mode.secretSources.map(({ field, source }, index) => {
    const from = source === "secrets file" ? near(mode.secretsFile, cwd) : source;
    return `  ${index === 0 ? "Secrets" : "       "}        ${field.padEnd(width)}  ${from}`;
  });
}

/** Where signed webhooks go and which file holds their secret (never the value). */
function webhookLine(mode: BannerFacts, cwd: string): string {
  const webhook = mode.events?.webhook;
  if (!webhook) return "  Webhooks       off (set APP_WEBHOOK_URL to receive every event, signed)";
  const from = webhook.secretFrom.startsWith("/") ? near(webhook.secretFrom, cwd) : webhook.secretFrom;
  return `  Webhooks       ${webhook.url}   (signing secret: APP_WEBHOOK_SECRET in ${from})`;
}

function dashboardLines(mode: BannerFacts, cwd: string): string[] {
  if (mode.metaMode === "simulator") return [];
  const base = mode.publicBaseUrl;
  const verifyTokenFrom =
    mode.secretSources.find(({ field }) => field === SecretFields.verifyToken)?.source === "environment"
      ? "the environment"
      : near(mode.secretsFile, cwd);
  return [
    "",
    "  Paste into your Meta app's dashboard:",
    `    OAuth redirect URI   ${base}${Paths.oauthCallback}`,
    `    Webhook callback     ${base}${Paths.webhook}   (verify token: ${SecretFields.verifyToken} in ${verifyTokenFrom})`,
    `    Deauthorize          ${base}${Paths.deauthorize}`,
    `    Data deletion        ${base}${Paths.dataDeletion}`,
    ...(base.startsWith("https://")
      ? []
      : [
          "  ! PUBLIC_BASE_URL is not https: Meta cannot call back. Start a tunnel and set PUBLIC_BASE_URL to it.",
        ]),
    "",
  ];
}

/** What `npm run dev` prints once everything is up: every URL, where data and secrets come from. */
export function banner(mode: BannerFacts, cwd: string = process.cwd()): string {
  const data = mode.persistPath
    ? `persisted in ${near(mode.persistPath, cwd)}`
    : "in memory (use --persist to keep data)";
  return [
    "",
    "  Instagram DM backend: local mode",
    "",
    `  Dev console    ${mode.url}/`,
    `  API            ${mode.url}/instagram/...   (OpenAPI: ${mode.url}/openapi.json)`,
    metaLine(mode),
    `  DynamoDB       ${mode.dynamoDbEndpoint}   table ${mode.tableName}, ${data}`,
    `  SQS            ${mode.sqsEndpoint}   sender polling ${mode.outboundQueueUrl}`,
    `  Events         ${mode.url}/dev/events?token=<dev token>   (server-sent; AsyncAPI: ${mode.url}/dev/asyncapi.json)`,
    webhookLine(mode, cwd),
    ...secretLines(mode, cwd),
    ...dashboardLines(mode, cwd),
    `  Dev token      curl -s -X POST ${mode.url}/dev/token -H 'content-type: application/json' -d '{"userId":"user-1","imoId":"imo-1"}'`,
    `  Token refresh  curl -s -X POST ${mode.url}/dev/token-refresh`,
    "",
    ...mode.handlerLoadErrors.map((failure) => `  ! ${failure.name} did not load: ${failure.message}`),
    "  Press Ctrl-C to stop.",
    "",
  ].join("\n");
}
