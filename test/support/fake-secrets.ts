import { SecretFields } from "../../lambdas/contract/secrets";

/** Fake credentials from the reference's signature vectors (shared/reference/webhook-signature-vectors.md). */
export const FAKE = {
  appId: "990602627938098",
  igAppSecret: "5d2e9f7a1b3c4d6e8f0a1b2c3d4e5f6a",
  metaAppSecret: "c8f1a2b3d4e5f60718293a4b5c6d7e8f",
  verifyToken: "my_verify_token_12345",
  tokenEncryptionKey: "TestTokenEncryptionKey0123456789abcdefghijklmnop",
} as const;

/** Both secrets' fields in one document, as local mode's secrets file holds them. */
export function secretDocument(overrides: Record<string, string> = {}): string {
  return JSON.stringify({
    [SecretFields.appId]: FAKE.appId,
    [SecretFields.appSecret]: FAKE.igAppSecret,
    [SecretFields.verifyToken]: FAKE.verifyToken,
    [SecretFields.tokenEncryptionKey]: FAKE.tokenEncryptionKey,
    ...overrides,
  });
}

/** The Meta credentials secret as the operator stores it in AWS. */
export function credentialsDocument(overrides: Record<string, string> = {}): string {
  return JSON.stringify({
    [SecretFields.appId]: FAKE.appId,
    [SecretFields.appSecret]: FAKE.igAppSecret,
    [SecretFields.verifyToken]: FAKE.verifyToken,
    ...overrides,
  });
}

/** The token-key secret as the stack generates it in AWS. */
export function tokenKeyDocument(overrides: Record<string, string> = {}): string {
  return JSON.stringify({ [SecretFields.tokenEncryptionKey]: FAKE.tokenEncryptionKey, ...overrides });
}
