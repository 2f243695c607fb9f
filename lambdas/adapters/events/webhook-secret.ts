import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { registerSecretValue } from "../../platform/redaction";
import { traced } from "../../platform/tracer";
import { signingSecretOf } from "./webhook-sender";

/** Loads the generated webhook signing secret (cached five minutes) as a `whsec_` value, redacted from logs. */
export function webhookSecretLoader(secretId: string): () => Promise<string> {
  const provider = new SecretsProvider({ awsSdkV3Client: traced(new SecretsManagerClient({})) });
  return async () => {
    const value = await provider.get(secretId, { maxAge: 300 });
    if (typeof value !== "string" || value === "") throw new Error("The webhook signing secret is empty");
    const secret = signingSecretOf(value);
    registerSecretValue(value);
    registerSecretValue(secret);
    return secret;
  };
}
