import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from "jose";

/** Local mode's identity provider: issues dev tokens and checks bearer tokens as the HTTP API's JWT authorizer. */
export interface DevAuth {
  readonly issuer: string;
  readonly audience: string;
  /** The public keys, served at `/dev/.well-known/jwks.json` like an identity provider's JWKS. */
  readonly jwks: { keys: JWK[] };
  issue(
    subject: { userId: string; imoId: string },
    ttlSeconds?: number,
  ): Promise<{ token: string; expiresAt: string }>;
  /** The verified payload, or undefined when the header carries no valid token. */
  verify(authorization: string | undefined): Promise<Record<string, unknown> | undefined>;
}

/**
 * Stand-in until `dev/local-auth` lands: an RS256 key pair made at start-up (the JWT authorizer accepts RSA
 * signatures only), checked for signature, issuer, audience, expiry and not-before, as API Gateway does.
 */
export async function createDevAuth(options: {
  issuer: string;
  audience: string;
  claimNames: { userId: string; imoId: string };
}): Promise<DevAuth> {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const kid = "local-dev-1";
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const jwks = { keys: [publicJwk] };
  const keySet = createLocalJWKSet(jwks);
  return {
    issuer: options.issuer,
    audience: options.audience,
    jwks,
    async issue(subject, ttlSeconds = 12 * 3600) {
      const issuedAt = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({
        [options.claimNames.userId]: subject.userId,
        [options.claimNames.imoId]: subject.imoId,
      })
        .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(subject.userId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .sign(privateKey);
      return { token, expiresAt: new Date((issuedAt + ttlSeconds) * 1000).toISOString() };
    },
    async verify(authorization) {
      if (!authorization) return undefined;
      const token = authorization.replace(/^Bearer\s+/i, "").trim();
      if (token === "") return undefined;
      try {
        const { payload } = await jwtVerify(token, keySet, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ["RS256", "RS384", "RS512"],
          requiredClaims: ["exp"],
        });
        return payload as Record<string, unknown>;
      } catch {
        return undefined;
      }
    },
  };
}
