import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  createLocalJWKSet,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
import { AppError } from "../../lambdas/domain/errors";
import type { HttpEvent } from "../../lambdas/http/types";

/**
 * Local stand-in for the app's identity provider and for API Gateway's JWT authorizer, so local mode and
 * tests authenticate app routes by the same rules as AWS: RSA-signed tokens checked against a JWKS, `iss`,
 * `aud` (or `client_id` when `aud` is absent), `exp`, `nbf`, `iat`.
 */
export const LOCAL_ISSUER = "https://local-auth.instagram-dm.invalid";
export const LOCAL_AUDIENCE = "instagram-dm-local";

/** API Gateway's JWT authorizer accepts only RSA signatures. */
const RSA_ALGORITHMS = ["RS256", "RS384", "RS512"];

export interface VerifyOptions {
  readonly issuer: string;
  /** The authorizer's audience list: the token's `aud` (or `client_id`) must match one entry. */
  readonly audience: string | readonly string[];
  readonly jwks: JSONWebKeySet;
  /** Epoch ms; defaults to the wall clock. */
  readonly now?: number;
}

export interface DevTokenOptions {
  /** Seconds, or a jose time span such as "1h". Default 1 hour. */
  readonly expiresIn?: number | string;
  readonly notBefore?: number | string;
  readonly issuer?: string;
  readonly audience?: string | string[];
  /** Epoch ms used as "now" for `iat` (tests of expiry). */
  readonly now?: number;
}

export interface LocalIssuer {
  readonly issuer: string;
  readonly audience: string;
  /** The public keys, as an identity provider publishes them at its jwks_uri. */
  readonly jwks: JSONWebKeySet;
  issueDevToken(claims: JWTPayload, options?: DevTokenOptions): Promise<string>;
}

interface StoredKey {
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

async function newKey(kid: string): Promise<StoredKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "RS256" };
  return { privateJwk, publicJwk };
}

async function issuerFromKey(key: StoredKey, issuer: string, audience: string): Promise<LocalIssuer> {
  const signingKey = await importJWK(key.privateJwk, "RS256");
  const kid = key.publicJwk.kid ?? "local";
  return {
    issuer,
    audience,
    jwks: { keys: [key.publicJwk] },
    async issueDevToken(claims, options = {}) {
      const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
      const expiresIn = options.expiresIn ?? 3600;
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt(nowSeconds)
        .setExpirationTime(typeof expiresIn === "number" ? nowSeconds + expiresIn : expiresIn);
      if (options.notBefore !== undefined) {
        jwt.setNotBefore(
          typeof options.notBefore === "number" ? nowSeconds + options.notBefore : options.notBefore,
        );
      }
      return jwt.sign(signingKey);
    },
  };
}

/** A fresh in-memory RS256 issuer (tests). */
export async function createLocalIssuer(
  options: { issuer?: string; audience?: string; kid?: string } = {},
): Promise<LocalIssuer> {
  return issuerFromKey(
    await newKey(options.kid ?? "local-1"),
    options.issuer ?? LOCAL_ISSUER,
    options.audience ?? LOCAL_AUDIENCE,
  );
}

/**
 * The local mode issuer: its key pair kept in `file` (created with mode 0600 on first use) so tokens minted
 * earlier stay valid across restarts. Development only; never a production key.
 */
export async function loadOrCreateLocalIssuer(
  file: string,
  options: { issuer?: string; audience?: string } = {},
): Promise<LocalIssuer> {
  let key: StoredKey;
  if (existsSync(file)) {
    key = JSON.parse(readFileSync(file, "utf8")) as StoredKey;
  } else {
    key = await newKey("local-1");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(key), { mode: 0o600 });
  }
  return issuerFromKey(key, options.issuer ?? LOCAL_ISSUER, options.audience ?? LOCAL_AUDIENCE);
}

function unauthorized(detail: string): AppError {
  return new AppError("auth.unauthorized", detail);
}

/** The token of an `Authorization` header: `Bearer <token>`, or the bare token as API Gateway also accepts. */
function tokenOf(authorization: string | undefined): string {
  const value = authorization?.trim();
  if (!value) throw unauthorized("The Authorization header is missing.");
  const match = /^(\S+)\s+(\S+)$/.exec(value);
  if (match) {
    if (match[1]?.toLowerCase() !== "bearer" || !match[2]) throw unauthorized("Use the Bearer scheme.");
    return match[2];
  }
  if (/\s/.test(value)) throw unauthorized("The Authorization header is malformed.");
  return value;
}

function audiences(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/**
 * Verifies an `Authorization` header the way API Gateway's HTTP API JWT authorizer does and returns the
 * token's claims. Every failure is `auth.unauthorized` (401) with a short reason, never the token.
 */
export async function verifyBearer(
  authorization: string | undefined,
  options: VerifyOptions,
): Promise<JWTPayload> {
  const token = tokenOf(authorization);
  const currentDate = new Date(options.now ?? Date.now());
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet(options.jwks), {
      issuer: options.issuer,
      algorithms: RSA_ALGORITHMS,
      currentDate,
      clockTolerance: 0,
    }));
  } catch (error) {
    throw unauthorized(reasonOf(error));
  }
  const allowed = typeof options.audience === "string" ? [options.audience] : options.audience;
  // API Gateway checks `aud`, and `client_id` only when `aud` is absent.
  const presented = payload.aud !== undefined ? audiences(payload.aud) : audiences(payload.client_id);
  if (!presented.some((aud) => allowed.includes(aud)))
    throw unauthorized("The token does not have a valid audience.");
  if (payload.iat !== undefined && payload.iat * 1000 > currentDate.getTime()) {
    throw unauthorized("The token was issued in the future.");
  }
  if (payload.exp === undefined) throw unauthorized("The token has no expiry.");
  return payload;
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "The token has expired.";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "iss") return "The token does not have a valid issuer.";
    if (error.claim === "nbf") return "The token is not valid yet.";
    return `The token's ${error.claim} claim is invalid.`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return "The token signature is invalid.";
  if (error instanceof errors.JWKSNoMatchingKey) return "The token was not signed by a known key.";
  if (error instanceof errors.JOSEAlgNotAllowed) return "The token's algorithm is not allowed.";
  return "The token is malformed.";
}

/**
 * Claims as the HTTP API passes them to Lambda (payload 2.0): strings, numbers and booleans stringified,
 * arrays as `[a b]`, objects as JSON.
 */
export function authorizerClaims(payload: JWTPayload): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) out[name] = `[${value.map(String).join(" ")}]`;
    else if (typeof value === "object") out[name] = JSON.stringify(value);
    else out[name] = String(value);
  }
  return out;
}

/**
 * What local mode does before invoking an app route's handler: verify the caller's bearer token and put its
 * claims where the JWT authorizer puts them. Throws `auth.unauthorized` (answer it with problemFromError).
 */
export async function authorizeEvent(event: HttpEvent, options: VerifyOptions): Promise<HttpEvent> {
  const authorization = Object.entries(event.headers ?? {}).find(
    ([k]) => k.toLowerCase() === "authorization",
  )?.[1];
  const payload = await verifyBearer(authorization, options);
  return {
    ...event,
    requestContext: {
      ...event.requestContext,
      authorizer: { jwt: { claims: authorizerClaims(payload), scopes: null } },
    },
  };
}
