import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../support/e2e/http";
import { type LocalModeProcess, startLocalModeProcess } from "../support/e2e/local-mode-process";

/**
 * Local mode configured the twelve-factor way: the Meta app's three secrets in the environment (over the
 * generated secrets file) and a custom Graph host. The webhook must answer Meta's handshake with the
 * environment's verify token and accept only deliveries signed with the environment's app secret; the banner
 * and `GET /dev/config` must say where things come from without printing a secret.
 */
describe("local mode with the Meta secrets in the environment and a custom Meta host", () => {
  let local: LocalModeProcess;
  const env = {
    INSTAGRAM_APP_ID: "987654321012345",
    INSTAGRAM_APP_SECRET: `env-app-secret-${Date.now()}`,
    INSTAGRAM_WEBHOOK_VERIFY_TOKEN: `env-verify-token-${Date.now()}`,
    // Nothing listens there: these tests never reach Meta, they show which host would be called.
    INSTAGRAM_GRAPH_URL: "http://127.0.0.1:9/graph",
  };
  let fileSecrets: Record<string, string>;

  beforeAll(async () => {
    local = await startLocalModeProcess({ env });
    fileSecrets = JSON.parse(readFileSync(join(local.stateDir, "secrets.json"), "utf8"));
  }, 120_000);

  afterAll(async () => {
    await local?.interrupt();
  }, 30_000);

  const signed = (body: string, secret: string) =>
    `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  const delivery = JSON.stringify({
    object: "instagram",
    entry: [{ id: "17841400000000000", time: Date.now(), messaging: [] }],
  });

  it("answers the webhook handshake with the environment's verify token, not the file's", async () => {
    expect(fileSecrets.INSTAGRAM_WEBHOOK_VERIFY_TOKEN).not.toBe(env.INSTAGRAM_WEBHOOK_VERIFY_TOKEN);
    const handshake = (token: string) =>
      call(
        local.url,
        "GET",
        `/instagram/webhook?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1158201444`,
      );
    const accepted = await handshake(env.INSTAGRAM_WEBHOOK_VERIFY_TOKEN);
    expect(accepted.status, local.output()).toBe(200);
    expect(accepted.text).toBe("1158201444");
    const refused = await handshake(fileSecrets.INSTAGRAM_WEBHOOK_VERIFY_TOKEN ?? "");
    expect(refused.status).toBe(403);
  });

  it("verifies delivery signatures with the environment's app secret, not the file's", async () => {
    const post = (signature: string) =>
      call(local.url, "POST", "/instagram/webhook", {
        headers: { "content-type": "application/json", "x-hub-signature-256": signature },
        body: delivery,
      });
    const accepted = await post(signed(delivery, env.INSTAGRAM_APP_SECRET));
    expect(accepted.status, `${accepted.text}\n${local.output()}`).toBe(200);
    const refused = await post(signed(delivery, fileSecrets.INSTAGRAM_APP_SECRET ?? ""));
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe("webhook.signature_invalid");
  });

  it("names the Meta hosts in use in the banner and GET /dev/config", async () => {
    const config = await call(local.url, "GET", "/dev/config");
    expect(config.body).toMatchObject({
      metaMode: "custom",
      metaHosts: {
        oauth: "https://www.instagram.com",
        api: "https://api.instagram.com",
        graph: "http://127.0.0.1:9/graph",
      },
      simulatorUrl: null,
    });
    expect(local.output()).toContain("custom hosts (simulator off):");
    expect(local.output()).toContain("Graph http://127.0.0.1:9/graph");
  });

  it("says in the banner which source each secret came from and never prints a secret value", () => {
    const output = local.output();
    expect(output).toMatch(/Secrets +INSTAGRAM_APP_ID +environment\n/);
    expect(output).toMatch(/ +INSTAGRAM_APP_SECRET +environment\n/);
    expect(output).toMatch(/ +INSTAGRAM_WEBHOOK_VERIFY_TOKEN +environment\n/);
    expect(output).toMatch(/ +TOKEN_ENCRYPTION_KEY +\S*secrets\.json\n/);
    for (const value of [
      env.INSTAGRAM_APP_SECRET,
      env.INSTAGRAM_WEBHOOK_VERIFY_TOKEN,
      fileSecrets.INSTAGRAM_APP_SECRET,
      fileSecrets.TOKEN_ENCRYPTION_KEY,
    ]) {
      expect(output).not.toContain(value);
    }
  });
});
