import type { JSONWebKeySet } from "jose";
import { AppError } from "../../lambdas/domain/errors";
import { authorizerClaims, loadOrCreateLocalIssuer, verifyBearer } from "../local-auth";

/** Local mode's identity provider: issues dev tokens and checks bearer tokens as the HTTP API's JWT authorizer. */
export interface DevAuth {
  readonly issuer: string;
  readonly audience: string;
  /** The public keys, served at `/dev/.well-known/jwks.json` like an identity provider's JWKS. */
  readonly jwks: JSONWebKeySet;
  issue(subject: { userId: string; imoId: string }): Promise<{ token: string; expiresAt: string }>;
  /** The authorizer's claims (all strings), or why the request is refused. */
  authorize(
    authorization: string | undefined,
  ): Promise<{ claims: Record<string, string> } | { refused: string }>;
}

const DEV_TOKEN_SECONDS = 12 * 3600;

/**
 * dev/local-auth's issuer, its RS256 key kept in `keyFile` so tokens survive restarts (and tokens minted with
 * `dev/local-auth/cli.ts` work too); bearer tokens are checked with `verifyBearer`, API Gateway's rules.
 */
export async function createDevAuth(options: {
  keyFile: string;
  claimNames: { userId: string; imoId: string };
}): Promise<DevAuth> {
  const issuer = await loadOrCreateLocalIssuer(options.keyFile);
  return {
    issuer: issuer.issuer,
    audience: issuer.audience,
    jwks: issuer.jwks,
    async issue(subject) {
      const token = await issuer.issueDevToken(
        {
          sub: subject.userId,
          [options.claimNames.userId]: subject.userId,
          [options.claimNames.imoId]: subject.imoId,
        },
        { expiresIn: DEV_TOKEN_SECONDS },
      );
      return { token, expiresAt: new Date(Date.now() + DEV_TOKEN_SECONDS * 1000).toISOString() };
    },
    async authorize(authorization) {
      try {
        const payload = await verifyBearer(authorization, {
          issuer: issuer.issuer,
          audience: issuer.audience,
          jwks: issuer.jwks,
        });
        return { claims: authorizerClaims(payload) };
      } catch (error) {
        if (error instanceof AppError)
          return { refused: error.detail ?? "A valid bearer token is required." };
        throw error;
      }
    },
  };
}
