import type { AppSecrets } from "../../lambdas/contract/secrets";
import { tokenKeysFrom } from "../../lambdas/domain/token-seal";
import { FAKE } from "./fake-secrets";

/** The secrets the handlers load (test/support/fake-secrets.ts), for sealing and opening tokens in tests. */
export const TEST_SECRETS: AppSecrets = {
  appId: FAKE.appId,
  appSecret: FAKE.igAppSecret,
  verifyToken: FAKE.verifyToken,
  tokenEncryptionKey: FAKE.tokenEncryptionKey,
  previousTokenEncryptionKeys: [],
  signingSecrets: [FAKE.igAppSecret],
};
export const TEST_KEYS = tokenKeysFrom(TEST_SECRETS);
