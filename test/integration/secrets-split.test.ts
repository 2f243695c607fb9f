import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Env } from "../../lambdas/contract/env";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { credentialsDocument, FAKE } from "../support/fake-secrets";
import { httpEvent, lambdaContext } from "../support/http-event";
import { freshTable } from "../support/local-aws";
import { startSecretsManagerStandIn } from "../support/secrets-manager-standin";
import { ACCOUNT, fixtureText, TEXT_MID, webhookPost } from "../support/webhook-fixtures";
import { connectIntegration, getMessage } from "../support/webhook-seed";

/**
 * The fault: the token-key secret is out of reach (IAM denies it, as it does for every function not granted
 * it). The guarantee: the webhook still verifies Meta's handshake and stores deliveries, reading only the Meta
 * credentials secret, through the real SDK and the real Powertools loader; the key secret is never asked for.
 */
const IMO = "imo-split";
const CREDENTIALS_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:credentials-AbCdEf";
const TOKEN_KEY_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:token-key-GhIjKl";

let standIn: Awaited<ReturnType<typeof startSecretsManagerStandIn>>;
let tableName: string;
let receive: (event: HttpEvent) => Promise<HttpResult>;
let verify: (event: HttpEvent) => Promise<HttpResult>;

beforeAll(async () => {
  standIn = await startSecretsManagerStandIn({ [CREDENTIALS_ARN]: credentialsDocument() }, [TOKEN_KEY_ARN]);
  tableName = await freshTable();
  // Exactly what the stack gives these two functions: the table and the credentials secret's ARN. The key
  // secret's ARN is set too, pointing at a secret the role may not read, so any attempt would show in `calls`.
  delete process.env[Env.localSecretsFile];
  process.env[Env.tableName] = tableName;
  process.env[Env.appSecretId] = CREDENTIALS_ARN;
  process.env[Env.tokenKeySecretId] = TOKEN_KEY_ARN;
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = standIn.endpoint;
  process.env[Env.publicBaseUrl] ??= "https://api.example.test";
  const receiveModule = await import("../../lambdas/handlers/webhook-receive");
  const verifyModule = await import("../../lambdas/handlers/webhook-verify");
  receive = (event) => receiveModule.handler(event, lambdaContext("webhook-receive"));
  verify = (event) => verifyModule.handler(event, lambdaContext("webhook-verify"));
  await connectIntegration(tableName, IMO, ACCOUNT);
});

afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
  delete process.env[Env.appSecretId];
  delete process.env[Env.tokenKeySecretId];
  await standIn.stop();
});

describe("the webhook needs only the Meta credentials secret", () => {
  it("answers Meta's verification handshake", async () => {
    const response = await verify(
      httpEvent({
        method: "GET",
        route: "/instagram/webhook",
        query: {
          "hub.mode": "subscribe",
          "hub.verify_token": FAKE.verifyToken,
          "hub.challenge": "1158201444",
        },
      }),
    );
    expect(response).toMatchObject({ statusCode: 200, body: "1158201444" });
  });

  it("stores a signed delivery", async () => {
    const response = await receive(webhookPost(fixtureText("ig-message-text.json")));
    expect(response.statusCode).toBe(200);
    expect(await getMessage(tableName, IMO, TEXT_MID)).toMatchObject({ mid: TEXT_MID, direction: "inbound" });
  });

  it("still refuses a forged signature (the credentials were really loaded, not skipped)", async () => {
    const response = await receive(
      webhookPost(fixtureText("ig-message-text.json"), { signature: "sha256=00" }),
    );
    expect(response.statusCode).toBe(401);
  });

  it("never asked Secrets Manager for the token key", () => {
    expect(standIn.calls.length).toBeGreaterThan(0);
    expect(new Set(standIn.calls)).toEqual(new Set([CREDENTIALS_ARN]));
  });
});
