import { resolve } from "node:path";
import { Defaults, Env } from "../../lambdas/contract/env";

/** How local mode reaches Meta: the bundled simulator, Meta's real hosts, or hosts given in the environment. */
export type MetaMode = "simulator" | "real" | "custom";

/** The Meta hosts the handlers call when the simulator is off. */
export interface MetaHosts {
  readonly oauth: string;
  readonly api: string;
  readonly graph: string;
}

/** Everything local mode can be told, from the command line and the environment. */
export interface LocalSettings {
  /** HTTP port of the API and dev console (0 picks a free one). */
  readonly port: number;
  /** Interface the HTTP server listens on; loopback unless told (LISTEN_HOST=0.0.0.0 in a container). */
  readonly host: string;
  /** Fixed ports for the local services; undefined picks free ones. */
  readonly dynamoDbPort?: number;
  readonly sqsPort?: number;
  readonly metaSimulatorPort?: number;
  /** META_SIM_HISTORY=<conversations>x<messages> (e.g. 30x4): a seeded history for the history import to read. */
  readonly metaSimulatorHistory?: {
    readonly conversations: number;
    readonly messagesPerConversation: number;
  };
  /** Keep DynamoDB Local's data in `persistPath` across restarts. */
  readonly persist: boolean;
  readonly persistPath: string;
  /** Folder for local state (secrets file, persisted data); git-ignored. */
  readonly stateDir: string;
  readonly metaMode: MetaMode;
  /** Meta's hosts as configured (the real ones unless INSTAGRAM_*_URL say otherwise); unused by the simulator. */
  readonly metaHosts: MetaHosts;
  /** Base URL Meta and browsers reach this server on (a tunnel URL when real Meta calls back). */
  readonly publicBaseUrl?: string;
  /** Extra app origins allowed as OAuth returnTo, besides the console's own. */
  readonly extraReturnToOrigins: readonly string[];
  /** Sender pollers running at once (Lambda's event source runs several). */
  readonly senderPollers: number;
  /** Long-poll wait of each ReceiveMessage, seconds. */
  readonly senderWaitSeconds: number;
}

const META_HOST_VARS = [Env.instagramOauthUrl, Env.instagramApiUrl, Env.instagramGraphUrl] as const;

function portFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`${name} must be a TCP port number (0-65535), got "${raw}"`);
  }
  return port;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function metaHostsFrom(env: NodeJS.ProcessEnv): MetaHosts {
  return {
    oauth: env[Env.instagramOauthUrl] || Defaults.instagramOauthUrl,
    api: env[Env.instagramApiUrl] || Defaults.instagramApiUrl,
    graph: env[Env.instagramGraphUrl] || Defaults.instagramGraphUrl,
  };
}

/**
 * The simulator is on unless the operator asks for real Meta (`META_MODE=real`) or points any Meta host
 * variable somewhere (`custom`: those hosts, with the real ones as defaults for the rest, are used as given).
 */
function metaModeFrom(env: NodeJS.ProcessEnv): MetaMode {
  const mode = env.META_MODE;
  if (mode !== undefined && mode !== "" && mode !== "simulator" && mode !== "real") {
    throw new Error(`META_MODE must be "simulator" or "real", got "${mode}"`);
  }
  const hostsGiven = META_HOST_VARS.some((name) => (env[name] ?? "") !== "");
  if (mode === "simulator" && hostsGiven) {
    throw new Error(`META_MODE=simulator conflicts with ${META_HOST_VARS.join("/")}; unset one of them`);
  }
  if (hostsGiven) return "custom";
  return mode === "real" ? "real" : "simulator";
}

/** Reads settings from argv (`--persist`) and the environment; throws a readable error on a bad value. */
export function settingsFrom(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): LocalSettings {
  const unknown = argv.filter((arg) => arg !== "--persist");
  if (unknown.length > 0)
    throw new Error(`Unknown argument ${unknown.join(" ")} (only --persist is supported)`);
  const stateDir = resolve(cwd, env.LOCAL_STATE_DIR || ".local");
  const publicBaseUrl = env[Env.publicBaseUrl] || undefined;
  return {
    port: portFrom(env, "PORT") ?? 3000,
    host: env.LISTEN_HOST || "127.0.0.1",
    dynamoDbPort: portFrom(env, "DYNAMODB_PORT"),
    sqsPort: portFrom(env, "SQS_PORT"),
    metaSimulatorPort: portFrom(env, "META_SIM_PORT"),
    ...historyFrom(env.META_SIM_HISTORY),
    persist: argv.includes("--persist") || env.LOCAL_PERSIST === "1" || env.LOCAL_PERSIST === "true",
    persistPath: resolve(stateDir, "dynamodb"),
    stateDir,
    metaMode: metaModeFrom(env),
    metaHosts: metaHostsFrom(env),
    ...(publicBaseUrl ? { publicBaseUrl: publicBaseUrl.replace(/\/+$/, "") } : {}),
    extraReturnToOrigins: (env[Env.returnToOrigins] ?? "")
      .split(",")
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ""),
    senderPollers: positiveInt(env, "SENDER_POLLERS", 2),
    senderWaitSeconds: positiveInt(env, "SENDER_WAIT_SECONDS", 2),
  };
}

/** `30x4` → 30 conversations of 4 messages; unset → none; anything else fails the start. */
function historyFrom(value: string | undefined): Pick<LocalSettings, "metaSimulatorHistory"> {
  if (value === undefined || value === "") return {};
  const match = /^(\d{1,4})x(\d{1,2})$/.exec(value);
  if (match === null)
    throw new Error(`META_SIM_HISTORY must look like 30x4 (conversations x messages), not ${value}`);
  return {
    metaSimulatorHistory: { conversations: Number(match[1]), messagesPerConversation: Number(match[2]) },
  };
}
