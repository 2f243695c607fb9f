import { Defaults } from "../lambdas/contract/env";
import { LOGIN_FLAVOURS } from "../lambdas/contract/vocabulary";

/** Steady requests per second and burst of an API Gateway throttle. */
export interface Throttle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** Per-stage settings, from `cdk.json` context `stages.<name>` (read only in bin/). */
export interface StageConfig {
  readonly stageName: string;
  /** Issuer (https URL) and audiences of the app's identity provider, for the HTTP API JWT authorizer. */
  readonly jwtIssuer: string;
  readonly jwtAudience: readonly string[];
  readonly jwtUserIdClaim: string;
  readonly jwtOrgIdClaim: string;
  /** App origins the OAuth flow may send the user back to (e.g. https://app.example.com). */
  readonly returnToOrigins: readonly string[];
  readonly oauthScopes: string;
  /** Login flavours offered at `oauth/init` (issue 17): `instagram` (Instagram Login), `facebook` (Facebook Login). */
  readonly loginFlavours: readonly ("instagram" | "facebook")[];
  /** Scopes of the Facebook Login dialog (comma-separated). */
  readonly facebookOauthScopes: string;
  readonly sendCapPerHour: number;
  readonly humanAgentEnabled: boolean;
  /** The daily refresh renews long-lived tokens that expire within this many days. */
  readonly tokenRefreshWindowDays: number;
  readonly graphApiVersion: string;
  /** Public base URL when the API sits behind a custom domain; defaults to the API's own endpoint. */
  readonly publicBaseUrl?: string;
  /** Page where a user checks a data deletion request; `?code=` is appended. Defaults to our status route. */
  readonly dataDeletionStatusUrl?: string;
  /** The app's endpoint for outgoing webhooks (docs/events.md); none are sent when absent. */
  readonly appWebhookUrl?: string;
  readonly apiThrottle: Throttle;
  /** Per-route limits of Meta's public routes: `webhook` (POST deliveries) and `callbacks` (the others). */
  readonly publicRouteThrottle: { readonly webhook: Throttle; readonly callbacks: Throttle };
  readonly logRetentionDays: number;
  /** Optional address subscribed to the alarm topic. */
  readonly alarmEmail?: string;
}

const defaults = {
  jwtUserIdClaim: "sub",
  jwtOrgIdClaim: "imo_id",
  oauthScopes: "instagram_business_basic,instagram_business_manage_messages",
  loginFlavours: ["instagram"],
  facebookOauthScopes: Defaults.facebookOauthScopes,
  sendCapPerHour: 200,
  humanAgentEnabled: false,
  tokenRefreshWindowDays: 10,
  graphApiVersion: "v25.0",
  apiThrottle: { rateLimit: 100, burstLimit: 200 },
  // The webhook keeps the stage's per-route limit (a throttled delivery is a failure to Meta); the other
  // public routes are called once per user action, so a flood on them is contained early.
  publicRouteThrottle: {
    webhook: { rateLimit: 100, burstLimit: 200 },
    callbacks: { rateLimit: 5, burstLimit: 10 },
  },
  logRetentionDays: 30,
};

/** Validates raw context for one stage and fills defaults; throws a message naming what is wrong. */
export function parseStageConfig(stageName: string, raw: unknown): StageConfig {
  if (typeof raw !== "object" || raw === null) {
    throw new Error(`cdk.json context "stages" has no entry for stage "${stageName}"`);
  }
  const input = { ...defaults, ...(raw as Record<string, unknown>) } as Record<string, unknown>;
  const problems: string[] = [];
  const httpsUrl = (key: string) => {
    const value = input[key];
    if (typeof value !== "string" || !/^https:\/\/[^\s/]+/.test(value))
      problems.push(`${key} must be an https URL`);
  };
  httpsUrl("jwtIssuer");
  if (!Array.isArray(input.jwtAudience) || input.jwtAudience.length === 0) {
    problems.push("jwtAudience must be a non-empty list");
  }
  const origins = input.returnToOrigins;
  if (
    !Array.isArray(origins) ||
    origins.some((origin) => typeof origin !== "string" || !/^https?:\/\/[^/]+$/.test(origin))
  ) {
    problems.push("returnToOrigins must be a list of origins like https://app.example.com (no path)");
  }
  const flavours = input.loginFlavours;
  if (
    !Array.isArray(flavours) ||
    flavours.length === 0 ||
    flavours.some((flavour) => !(LOGIN_FLAVOURS as readonly unknown[]).includes(flavour))
  ) {
    problems.push(`loginFlavours must be a non-empty list of ${LOGIN_FLAVOURS.join(", ")}`);
  }
  if (
    typeof input.facebookOauthScopes !== "string" ||
    !/^[a-z_]+(,[a-z_]+)*$/.test(input.facebookOauthScopes)
  ) {
    problems.push("facebookOauthScopes must be comma-separated permission names");
  }
  const cap = input.sendCapPerHour;
  if (typeof cap !== "number" || !Number.isInteger(cap) || cap < 1) {
    problems.push("sendCapPerHour must be a positive integer");
  }
  const refreshDays = input.tokenRefreshWindowDays;
  if (
    typeof refreshDays !== "number" ||
    !Number.isInteger(refreshDays) ||
    refreshDays < 1 ||
    refreshDays > 59
  ) {
    problems.push("tokenRefreshWindowDays must be an integer from 1 to 59 (tokens live 60 days)");
  }
  const routeLimits = input.publicRouteThrottle as Record<string, unknown> | undefined;
  for (const name of ["webhook", "callbacks"]) {
    if (!isThrottle(routeLimits?.[name])) {
      problems.push(`publicRouteThrottle.${name} must be { rateLimit, burstLimit } with positive numbers`);
    }
  }
  if (input.publicBaseUrl !== undefined) httpsUrl("publicBaseUrl");
  if (input.dataDeletionStatusUrl !== undefined) httpsUrl("dataDeletionStatusUrl");
  if (input.appWebhookUrl !== undefined) httpsUrl("appWebhookUrl");
  if (problems.length > 0) throw new Error(`Stage "${stageName}" config: ${problems.join("; ")}`);
  return { ...(input as unknown as StageConfig), stageName };
}

function isThrottle(value: unknown): value is Throttle {
  if (typeof value !== "object" || value === null) return false;
  const { rateLimit, burstLimit } = value as Record<string, unknown>;
  return (
    typeof rateLimit === "number" && rateLimit > 0 && Number.isInteger(burstLimit) && Number(burstLimit) > 0
  );
}
