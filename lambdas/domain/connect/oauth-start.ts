import { randomBytes } from "node:crypto";
import type { LoginFlavour } from "../../contract/vocabulary";
import { AppError } from "../errors";
import type { Tenant } from "../tenant";
import type { OAuthStateStore } from "./ports";

/** A sign-in link is valid for 10 minutes. */
export const STATE_LIFETIME_MS = 10 * 60 * 1000;
/** 256 bits of randomness (the floor is 128). */
const STATE_BYTES = 32;

/** Settings of the authorize step, read once per container. */
export interface OAuthSettings {
  /** e.g. https://www.instagram.com (a simulator in tests). */
  readonly oauthUrl: string;
  readonly appId: string;
  /** The stack's callback URL, registered as a Valid OAuth Redirect URI. */
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  /** Origins (scheme://host[:port]) the callback may send the user back to. */
  readonly allowedOrigins: readonly string[];
  /** The flavours this stage enables; absent: Instagram Login only. */
  readonly enabledFlavours?: readonly LoginFlavour[];
  /** The Facebook Login dialog; absent when the Facebook app is not configured. */
  readonly facebook?: FacebookOAuthSettings;
}

/** The Facebook Login flavour's dialog settings (Facebook Login for Business, manual flow). */
export interface FacebookOAuthSettings {
  /** e.g. https://www.facebook.com (a simulator in tests). */
  readonly dialogUrl: string;
  readonly graphVersion: string;
  /** The Facebook app's id (`META_APP_ID`). */
  readonly appId: string;
  readonly scopes: readonly string[];
}

/** Parses RETURN_TO_ORIGINS-style text: comma-separated origins; anything that is not a bare origin is refused. */
export function parseAllowedOrigins(text: string): string[] {
  const origins: string[] = [];
  for (const entry of text.split(",").map((item) => item.trim())) {
    if (entry === "") continue;
    const url = URL.parse(entry);
    if (url === null || url.origin === "null" || url.origin !== entry.replace(/\/+$/, "")) {
      throw new Error(`Not an origin in the returnTo allow-list: ${entry}`);
    }
    origins.push(url.origin);
  }
  return origins;
}

/**
 * The returnTo URL if its origin is exactly an allowed one (so `https://app.example.com@evil.test` or
 * `https://app.example.com.evil.test` never pass); undefined otherwise.
 */
export function allowedReturnTo(candidate: string, allowedOrigins: readonly string[]): string | undefined {
  const url = URL.parse(candidate);
  if (url === null || url.username !== "" || url.password !== "") return undefined;
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  return allowedOrigins.includes(url.origin) ? url.href : undefined;
}

export function newState(): string {
  return randomBytes(STATE_BYTES).toString("base64url");
}

/** The Instagram authorize URL for a state (Instagram API with Instagram Login, Business Login). */
export function authorizationUrl(settings: OAuthSettings, state: string): string {
  const url = new URL(`${settings.oauthUrl}/oauth/authorize`);
  url.searchParams.set("client_id", settings.appId);
  url.searchParams.set("redirect_uri", settings.redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", settings.scopes.join(","));
  url.searchParams.set("state", state);
  // Lets a user who is logged in to another Instagram account pick the one to connect.
  url.searchParams.set("force_reauth", "true");
  return url.href;
}

/** The Facebook Login dialog URL for a state: `www.facebook.com/<version>/dialog/oauth` with the code flow. */
export function facebookAuthorizationUrl(
  settings: FacebookOAuthSettings,
  redirectUri: string,
  state: string,
): string {
  const url = new URL(`${settings.dialogUrl}/${settings.graphVersion}/dialog/oauth`);
  url.searchParams.set("client_id", settings.appId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("state", state);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", settings.scopes.join(","));
  return url.href;
}

/**
 * Starts a connect for the caller: stores a single-use state bound to the caller and the validated
 * returnTo, and returns where to send the browser.
 */
export async function startConnect(
  tenant: Tenant,
  returnTo: string,
  deps: { states: OAuthStateStore; settings: OAuthSettings; now: () => number },
  flavour: LoginFlavour = "instagram",
): Promise<{ authorizationUrl: string; expiresAt: number }> {
  const enabled = deps.settings.enabledFlavours ?? ["instagram"];
  const facebook = deps.settings.facebook;
  if (!enabled.includes(flavour) || (flavour === "facebook" && facebook === undefined)) {
    throw new AppError(
      "oauth.flavour_disabled",
      `The ${flavour} login flavour is not enabled on this stage.`,
    );
  }
  // Required: the connect finishes on the app's page there, which redeems the ticket with its JWT.
  const validReturnTo = allowedReturnTo(returnTo, deps.settings.allowedOrigins);
  if (validReturnTo === undefined) {
    throw new AppError(
      "oauth.return_to_not_allowed",
      "returnTo must be on one of the app's configured origins.",
    );
  }
  const createdAt = deps.now();
  const expiresAt = createdAt + STATE_LIFETIME_MS;
  const state = newState();
  await deps.states.put({
    state,
    userId: tenant.userId,
    imoId: tenant.imoId,
    returnTo: validReturnTo,
    ...(flavour === "facebook" ? { loginFlavour: flavour } : {}),
    createdAt,
    expiresAt,
  });
  const url =
    flavour === "facebook" && facebook !== undefined
      ? facebookAuthorizationUrl(facebook, deps.settings.redirectUri, state)
      : authorizationUrl(deps.settings, state);
  return { authorizationUrl: url, expiresAt };
}
