import { Defaults, Env, type EnvName } from "../contract/env";

/**
 * Reads a required environment variable. Called at module load so a misconfigured function fails at
 * cold start, not on the first request.
 */
export function requiredEnv(name: EnvName): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`Missing required environment variable ${name}`);
  return value;
}

export function optionalEnv(name: EnvName, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === "" ? fallback : value;
}

/** Meta's hosts and Graph version; real hosts unless configured (tests and local mode use a simulator). */
export interface MetaHosts {
  readonly oauthUrl: string;
  readonly apiUrl: string;
  readonly graphUrl: string;
  readonly graphVersion: string;
  /** Facebook Login flavour: www.facebook.com (the dialog) and graph.facebook.com; real hosts when unset. */
  readonly facebookOauthUrl?: string;
  readonly facebookGraphUrl?: string;
}

export function metaHostsFromEnv(): MetaHosts {
  const trim = (url: string) => url.replace(/\/+$/, "");
  return {
    oauthUrl: trim(optionalEnv(Env.instagramOauthUrl, Defaults.instagramOauthUrl)),
    apiUrl: trim(optionalEnv(Env.instagramApiUrl, Defaults.instagramApiUrl)),
    graphUrl: trim(optionalEnv(Env.instagramGraphUrl, Defaults.instagramGraphUrl)),
    graphVersion: optionalEnv(Env.graphApiVersion, Defaults.graphApiVersion),
    facebookOauthUrl: trim(optionalEnv(Env.facebookOauthUrl, Defaults.facebookOauthUrl)),
    facebookGraphUrl: trim(optionalEnv(Env.facebookGraphUrl, Defaults.facebookGraphUrl)),
  };
}

/** Names of the JWT claims that carry the app user and organisation. */
export interface ClaimNames {
  readonly userId: string;
  readonly imoId: string;
}

/** Claim names that carry the app user and organisation in the app's JWTs. */
export function claimNamesFromEnv(): ClaimNames {
  return {
    userId: optionalEnv(Env.jwtUserIdClaim, Defaults.jwtUserIdClaim),
    imoId: optionalEnv(Env.jwtOrgIdClaim, Defaults.jwtOrgIdClaim),
  };
}
