import { documentClient } from "../adapters/dynamo/client";
import { sqsClient } from "../adapters/sqs/client";
import { registerSecretValue } from "../platform/redaction";
import { type ConnectWiring, connectWiring } from "../wiring/connect";
import { connectConfigFromEnv } from "./env";

/** The connect flow as every connect handler builds it: settings from the environment, the default clients. */
export function connectFromEnv(): ConnectWiring {
  return connectWiring(connectConfigFromEnv(), {
    db: documentClient(),
    sqs: sqsClient(),
    onSecret: registerSecretValue,
  });
}
