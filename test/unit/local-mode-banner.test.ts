import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { banner } from "../../dev/local-server/banner";
import { localSecrets } from "../../dev/local-server/local-secrets";
import { stopStack } from "../../dev/local-server/stop-stack";

const FILE_VALUES = {
  INSTAGRAM_APP_ID: "111111111111111",
  INSTAGRAM_APP_SECRET: "file-app-secret-0123456789abcdef",
  INSTAGRAM_WEBHOOK_VERIFY_TOKEN: "file-verify-token-0123456789",
  TOKEN_ENCRYPTION_KEY: "file-token-key-0123456789abcdef0123456789abcdef",
};
const ENV_VALUES = {
  INSTAGRAM_APP_ID: "222222222222222",
  INSTAGRAM_APP_SECRET: "env-app-secret-fedcba9876543210",
  INSTAGRAM_WEBHOOK_VERIFY_TOKEN: "env-verify-token-9876543210",
};

describe("local mode's secrets: the environment over the secrets file", () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), "local-secrets-"));
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it("uses the secrets file alone when the environment sets nothing", () => {
    writeFileSync(join(stateDir, "secrets.json"), JSON.stringify(FILE_VALUES));
    const secrets = localSecrets(
      stateDir,
      {},
      stopStack(() => {}),
    );
    expect(secrets.handlerFile).toBe(join(stateDir, "secrets.json"));
    expect(secrets).toMatchObject({ appSecret: FILE_VALUES.INSTAGRAM_APP_SECRET, generated: false });
    expect(new Set(secrets.sources.map(({ source }) => source))).toEqual(
      new Set(["secrets file", "not set"]),
    );
  });

  it("takes each field set in the environment, writes the merged document for the handlers and removes it on stop", async () => {
    writeFileSync(join(stateDir, "secrets.json"), JSON.stringify({ ...FILE_VALUES, NOTE: "generated" }));
    const stops = stopStack(() => {});
    const secrets = localSecrets(stateDir, { ...ENV_VALUES, META_APP_SECRET: "" }, stops);
    expect(secrets).toMatchObject({
      appId: ENV_VALUES.INSTAGRAM_APP_ID,
      appSecret: ENV_VALUES.INSTAGRAM_APP_SECRET,
      verifyToken: ENV_VALUES.INSTAGRAM_WEBHOOK_VERIFY_TOKEN,
      // The Meta values no longer come from the generated file, so real Meta mode may start.
      generated: false,
    });
    expect(Object.fromEntries(secrets.sources.map(({ field, source }) => [field, source]))).toEqual({
      INSTAGRAM_APP_ID: "environment",
      INSTAGRAM_APP_SECRET: "environment",
      INSTAGRAM_WEBHOOK_VERIFY_TOKEN: "environment",
      TOKEN_ENCRYPTION_KEY: "secrets file",
      PREVIOUS_TOKEN_ENCRYPTION_KEYS: "not set",
      META_APP_ID: "not set",
      META_APP_SECRET: "not set",
    });
    expect(secrets.handlerFile).not.toBe(secrets.secretsFile);
    expect(JSON.parse(readFileSync(secrets.handlerFile, "utf8"))).toMatchObject({
      ...ENV_VALUES,
      TOKEN_ENCRYPTION_KEY: FILE_VALUES.TOKEN_ENCRYPTION_KEY,
    });
    expect(statSync(secrets.handlerFile).mode & 0o777).toBe(0o600);
    // The operator's file is left as it was.
    expect(JSON.parse(readFileSync(secrets.secretsFile, "utf8")).INSTAGRAM_APP_ID).toBe(
      FILE_VALUES.INSTAGRAM_APP_ID,
    );
    await stops.stopAll();
    expect(() => statSync(secrets.handlerFile)).toThrow(/ENOENT/);
  });

  it("still counts generated file values as generated while any Meta value comes from the file", () => {
    writeFileSync(join(stateDir, "secrets.json"), JSON.stringify({ ...FILE_VALUES, NOTE: "generated" }));
    const secrets = localSecrets(
      stateDir,
      { INSTAGRAM_APP_ID: ENV_VALUES.INSTAGRAM_APP_ID },
      stopStack(() => {}),
    );
    expect(secrets.generated).toBe(true);
  });

  it("names a required field set nowhere", () => {
    const { TOKEN_ENCRYPTION_KEY: _, ...withoutKey } = FILE_VALUES;
    writeFileSync(join(stateDir, "secrets.json"), JSON.stringify(withoutKey));
    expect(() =>
      localSecrets(
        stateDir,
        {},
        stopStack(() => {}),
      ),
    ).toThrow(/Set TOKEN_ENCRYPTION_KEY in .*secrets\.json or the environment/);
  });
});

describe("local mode's banner", () => {
  const base = {
    url: "http://localhost:3000",
    publicBaseUrl: "https://tunnel.example.test",
    simulatorUrl: undefined,
    dynamoDbEndpoint: "http://127.0.0.1:8000",
    sqsEndpoint: "http://127.0.0.1:9324",
    tableName: "instagram-dm-local",
    outboundQueueUrl: "http://127.0.0.1:9324/000000000000/instagram-dm-outbound.fifo",
    secretsFile: "/repo/.local/secrets.json",
    secretSources: [
      { field: "INSTAGRAM_APP_ID", source: "environment" },
      { field: "INSTAGRAM_APP_SECRET", source: "environment" },
      { field: "INSTAGRAM_WEBHOOK_VERIFY_TOKEN", source: "environment" },
      { field: "TOKEN_ENCRYPTION_KEY", source: "secrets file" },
      { field: "META_APP_SECRET", source: "not set" },
    ],
    persistPath: undefined,
    handlerLoadErrors: [],
  } as const;

  it("names custom Meta hosts instead of calling them real", () => {
    const text = banner(
      {
        ...base,
        metaMode: "custom",
        metaHosts: {
          oauth: "https://www.instagram.com",
          api: "https://api.instagram.com",
          graph: "https://graph.example.test",
        },
      },
      "/repo",
    );
    expect(text).toContain(
      "Meta           custom hosts (simulator off): OAuth https://www.instagram.com, API https://api.instagram.com, Graph https://graph.example.test",
    );
    expect(text).not.toContain("real hosts");
    expect(text).toContain("Webhook callback     https://tunnel.example.test/instagram/webhook");
  });

  it("says where each secret came from, never the value", () => {
    const text = banner({ ...base, metaMode: "real", metaHosts: undefined }, "/repo");
    expect(text).toMatch(/Secrets +INSTAGRAM_APP_ID +environment\n/);
    expect(text).toMatch(/ +INSTAGRAM_WEBHOOK_VERIFY_TOKEN +environment\n/);
    expect(text).toMatch(/ +TOKEN_ENCRYPTION_KEY +\.local\/secrets\.json\n/);
    expect(text).toMatch(/ +META_APP_SECRET +not set\n/);
    expect(text).toContain("verify token: INSTAGRAM_WEBHOOK_VERIFY_TOKEN in the environment");
    expect(text).toContain("Meta           real hosts (simulator off)");
  });

  it("points at the simulator when it runs, without dashboard instructions", () => {
    const text = banner(
      { ...base, metaMode: "simulator", metaHosts: undefined, simulatorUrl: "http://127.0.0.1:4000" },
      "/repo",
    );
    expect(text).toContain("Meta           simulator at http://127.0.0.1:4000");
    expect(text).not.toContain("Paste into your Meta app's dashboard");
  });
});
