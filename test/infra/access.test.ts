import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { HandlerNames, WorkerNames } from "../../lambdas/contract/routes";
import { devConfig, synthStack } from "../support/synth";

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

const LOGS = ["logs:CreateLogStream", "logs:PutLogEvents"];
/** Active tracing: every function writes its trace segments (stack.test.ts checks the statement). */
const TRACES = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"];
const SECRET = ["secretsmanager:GetSecretValue"];
const READ_KEY = ["kms:Decrypt", "kms:DescribeKey"];
const WRITE_KEY = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"];
const dynamo = (...actions: string[]) => actions.map((action) => `dynamodb:${action}`);

/**
 * Each function's complete IAM action list, written out here on purpose: a new action fails this test, so
 * widening a function is a visible, reviewed change (and lib/constructs/function-access.ts says why).
 */
const expected: Record<string, readonly string[]> = {
  "webhook-verify": [...SECRET],
  "webhook-receive": [
    ...dynamo("DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"),
    ...WRITE_KEY,
    ...SECRET,
    // Data deletion requests posted to the webhook URL are queued as jobs; so are customer profile fetches.
    "sqs:SendMessage",
  ],
  "oauth-callback": [...dynamo("DeleteItem", "PutItem"), ...WRITE_KEY, ...SECRET],
  deauthorize: [...dynamo("DeleteItem", "GetItem", "PutItem", "Query"), ...WRITE_KEY, ...SECRET],
  "data-deletion": [
    ...dynamo("GetItem", "PutItem", "UpdateItem"),
    ...WRITE_KEY,
    ...SECRET,
    "sqs:SendMessage",
  ],
  "data-deletion-status": [...dynamo("GetItem"), ...READ_KEY],
  "oauth-init": [...dynamo("PutItem"), ...WRITE_KEY, ...SECRET],
  "oauth-complete": [
    ...dynamo("DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"),
    ...WRITE_KEY,
    ...SECRET,
    // A completed connect queues the history import's first step.
    "sqs:SendMessage",
  ],
  "integration-get": [...dynamo("GetItem", "Query"), ...READ_KEY],
  // Starts an import: the job item, and its first step on the history queue; never a token, so no secret.
  "integration-history": [...dynamo("GetItem", "PutItem", "UpdateItem"), ...WRITE_KEY, "sqs:SendMessage"],
  "integration-delete": [
    ...dynamo("BatchWriteItem", "DeleteItem", "GetItem", "PutItem", "Query"),
    ...WRITE_KEY,
    ...SECRET,
  ],
  "conversations-list": [...dynamo("GetItem", "Query"), ...READ_KEY],
  "conversation-messages": [...dynamo("GetItem", "Query"), ...READ_KEY],
  "conversation-read": [...dynamo("GetItem", "UpdateItem"), ...WRITE_KEY, ...SECRET],
  "conversation-typing": [...dynamo("GetItem"), ...READ_KEY, ...SECRET],
  "message-send": [...dynamo("GetItem", "PutItem", "UpdateItem"), ...WRITE_KEY, "sqs:SendMessage"],
  "message-get": [...dynamo("GetItem"), ...READ_KEY],
  "message-react": [...dynamo("GetItem", "UpdateItem"), ...WRITE_KEY, ...SECRET],
  "message-unreact": [...dynamo("GetItem", "UpdateItem"), ...WRITE_KEY, ...SECRET],
  "attachment-upload": [...dynamo("GetItem", "PutItem"), ...WRITE_KEY, ...SECRET],
  "ice-breakers-get": [...dynamo("GetItem"), ...READ_KEY, ...SECRET],
  "ice-breakers-put": [...dynamo("GetItem"), ...READ_KEY, ...SECRET],
  "menu-get": [...dynamo("GetItem"), ...READ_KEY, ...SECRET],
  "menu-put": [...dynamo("GetItem"), ...READ_KEY, ...SECRET],
  "ice-breakers-delete": [...dynamo("GetItem"), ...READ_KEY, ...SECRET],
  "menu-delete": [...dynamo("GetItem"), ...READ_KEY, ...SECRET],
  sender: [
    ...dynamo("DeleteItem", "GetItem", "PutItem", "UpdateItem"),
    ...WRITE_KEY,
    ...SECRET,
    // Consuming the outbound queue (the event source mapping's grant) and dead-lettering to the DLQ.
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
  ],
  "token-refresh": [...dynamo("PutItem", "Query"), ...WRITE_KEY, ...SECRET],
  erasure: [
    ...dynamo("BatchWriteItem", "DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"),
    ...WRITE_KEY,
    // Consuming the erasure queue (the event source mapping's grant) and re-queuing an unfinished job.
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
  ],
  // Job, integration and messages (Get, Update; TransactWrite of Updates), the token to read Meta's Conversations
  // API; consuming the history queue (the event source's grant) and queuing each next step.
  "history-import": [
    ...dynamo("GetItem", "UpdateItem"),
    ...WRITE_KEY,
    ...SECRET,
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
  ],
  // Reads the table's stream (the event source's grant, its key to decrypt the records), puts on the bus,
  // and sends a failed batch's description to the on-failure queue; names inbound events' user (Query on
  // gsi1) and keeps the window-closing index (Update).
  events: [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
    ...dynamo("Query", "UpdateItem"),
    "events:PutEvents",
    ...WRITE_KEY,
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:SendMessage",
  ],
  // Consumes the profile queue (the event source's grant; ChangeMessageVisibility is also Meta's wait), reads and
  // annotates conversations, finds the integration (Query) and opens its token (secret).
  "profile-fetch": [
    ...dynamo("GetItem", "Query", "UpdateItem"),
    ...WRITE_KEY,
    ...SECRET,
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
  ],
  // Consumes the webhook queue (the event source's grant; ChangeMessageVisibility is also the backoff) and
  // reads its own signing secret; no table, no app secret.
  "webhook-delivery": [
    ...SECRET,
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
  ],
  // The window index (Query on it alone), each candidate (Get) and its marker or entry (Update).
  "window-closing": [...dynamo("GetItem", "Query", "UpdateItem"), ...WRITE_KEY],
};

let resources: Resources;

beforeAll(() => {
  // With an app webhook URL, so the optional webhook delivery function exists too.
  const config = devConfig({ appWebhookUrl: "https://app.example.com/instagram-events" });
  const { template } = synthStack(config, { bundle: false });
  resources = (template as Template).toJSON().Resources as Resources;
});

/**
 * The function of a handler: construct ids are the handler's name in PascalCase (plus CDK's hash); the erasure
 * worker is `Erasure/Erasure`, which CDK shortens to one `Erasure` (the history worker likewise `HistoryImport`).
 */
function functionId(name: string): string {
  const pascal = name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
  const ids = Object.keys(resources).filter(
    (id) =>
      resources[id]?.Type === "AWS::Lambda::Function" &&
      new RegExp(`^(Api|Outbound|Scheduling|EventsOut|Profiles)?${pascal}[0-9A-F]{8}$`).test(id),
  );
  expect(ids, name).toHaveLength(1);
  return ids[0] as string;
}

/** Every statement of every policy attached to the function's role. */
function statementsOf(name: string): Statement[] {
  const fn = resources[functionId(name)] as Resources[string];
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  return Object.values(resources)
    .filter((resource) => resource.Type === "AWS::IAM::Policy")
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (name: string) =>
  [...new Set(statementsOf(name).flatMap((statement) => [statement.Action].flat()))].sort();

/**
 * Which of the two application secrets each function reads, written out literally: the Meta credentials (app id
 * and secret, verify token) or the token key (opens stored tokens). The action is the same GetSecretValue, so the
 * action lists above cannot tell them apart; the resources can.
 */
const secretsRead: Record<string, readonly ("credentials" | "tokenKey")[]> = {
  "webhook-verify": ["credentials"],
  "webhook-receive": ["credentials"],
  "oauth-callback": ["credentials", "tokenKey"],
  deauthorize: ["credentials"],
  "data-deletion": ["credentials"],
  "data-deletion-status": [],
  "oauth-init": ["credentials"],
  "oauth-complete": ["credentials", "tokenKey"],
  "integration-get": [],
  "integration-delete": ["credentials", "tokenKey"],
  "conversations-list": [],
  "conversation-messages": [],
  "conversation-read": ["tokenKey"],
  "conversation-typing": ["tokenKey"],
  "message-send": [],
  "message-get": [],
  sender: ["tokenKey"],
  "token-refresh": ["credentials", "tokenKey"],
  erasure: [],
  events: [],
  "webhook-delivery": [],
  "window-closing": [],
  "history-import": ["tokenKey"],
  "integration-history": [],
  "message-react": ["tokenKey"],
  "message-unreact": ["tokenKey"],
  "attachment-upload": ["tokenKey"],
  "ice-breakers-get": ["tokenKey"],
  "ice-breakers-put": ["tokenKey"],
  "menu-get": ["tokenKey"],
  "menu-put": ["tokenKey"],
  "ice-breakers-delete": ["tokenKey"],
  "menu-delete": ["tokenKey"],
  "profile-fetch": ["tokenKey"],
};

/** The logical id of one of the AppSecret construct's secrets (`AppSecret/Credentials`, `AppSecret/TokenKey`). */
function secretId(name: "Credentials" | "TokenKey"): string {
  const ids = Object.keys(resources).filter(
    (id) =>
      resources[id]?.Type === "AWS::SecretsManager::Secret" &&
      new RegExp(`^AppSecret${name}[0-9A-F]{8}$`).test(id),
  );
  expect(ids, name).toHaveLength(1);
  return ids[0] as string;
}

/** The logical ids of every secret a function may read (the resources of its GetSecretValue statements). */
function secretsReadBy(name: string): string[] {
  return statementsOf(name)
    .filter((statement) => [statement.Action].flat().includes("secretsmanager:GetSecretValue"))
    .flatMap((statement) => [statement.Resource].flat())
    .map((resource) => (resource as { Ref?: string }).Ref ?? JSON.stringify(resource))
    .sort();
}

/** The environment variables the function is given. */
function environmentOf(name: string): Record<string, unknown> {
  const fn = resources[functionId(name)] as Resources[string];
  return ((fn.Properties.Environment as { Variables?: Record<string, unknown> }).Variables ?? {}) as Record<
    string,
    unknown
  >;
}

describe("the two application secrets", () => {
  it("covers every function", () => {
    expect(Object.keys(secretsRead).sort()).toEqual([...HandlerNames, ...WorkerNames].sort());
  });

  for (const [name, secrets] of Object.entries(secretsRead)) {
    if (name === "webhook-delivery") continue; // reads its own signing secret only (test/infra/events.test.ts)
    it(`${name} reads exactly ${secrets.length === 0 ? "no application secret" : secrets.join(" and ")}`, () => {
      const ids = { credentials: secretId("Credentials"), tokenKey: secretId("TokenKey") };
      expect(secretsReadBy(name)).toEqual(secrets.map((secret) => ids[secret]).sort());
      const env = environmentOf(name);
      expect(env.APP_SECRET_ID !== undefined, "APP_SECRET_ID").toBe(secrets.includes("credentials"));
      expect(env.TOKEN_KEY_SECRET_ID !== undefined, "TOKEN_KEY_SECRET_ID").toBe(secrets.includes("tokenKey"));
    });
  }

  it("a function without token access cannot read the key secret's ARN", () => {
    const keyId = secretId("TokenKey");
    for (const name of ["webhook-verify", "webhook-receive", "oauth-init", "deauthorize", "data-deletion"]) {
      const mentions = statementsOf(name).filter((statement) =>
        JSON.stringify(statement.Resource).includes(keyId),
      );
      expect(mentions, name).toEqual([]);
      expect(JSON.stringify(environmentOf(name)), name).not.toContain(keyId);
    }
  });
});

describe("least privilege", () => {
  it("covers every function", () => {
    expect(Object.keys(expected).sort()).toEqual([...HandlerNames, ...WorkerNames].sort());
  });

  for (const [name, actions] of Object.entries(expected)) {
    it(`${name} has exactly its declared DynamoDB, KMS, Secrets Manager and SQS actions`, () => {
      expect(actionsOf(name)).toEqual([...LOGS, ...TRACES, ...actions].sort());
    });
  }

  it("the table key is usable only through DynamoDB, and only for this table", () => {
    const table = Object.keys(resources).find((id) => resources[id]?.Type === "AWS::DynamoDB::Table");
    for (const name of Object.keys(expected)) {
      for (const statement of statementsOf(name)) {
        const actions = [statement.Action].flat();
        if (!actions.some((action) => action.startsWith("kms:"))) continue;
        const equals = statement.Condition?.StringEquals as Record<string, unknown>;
        expect(JSON.stringify(equals["kms:ViaService"])).toContain("dynamodb.");
        if (actions.includes("kms:DescribeKey")) continue; // carries no encryption context
        expect(equals["kms:EncryptionContext:aws:dynamodb:tableName"]).toEqual({ Ref: table });
      }
    }
  });

  it("only functions that query get the indexes", () => {
    for (const name of Object.keys(expected)) {
      for (const statement of statementsOf(name)) {
        const actions = [statement.Action].flat();
        if (!actions.some((action) => action.startsWith("dynamodb:"))) continue;
        expect(JSON.stringify(statement.Resource).includes("/index/"), name).toBe(
          actions.includes("dynamodb:Query"),
        );
      }
    }
  });

  it("the window-closing detector queries the window index only", () => {
    const queries = statementsOf("window-closing").filter((statement) =>
      [statement.Action].flat().includes("dynamodb:Query"),
    );
    expect(queries).toHaveLength(1);
    const resources = JSON.stringify(queries[0]?.Resource);
    expect(resources).toContain("/index/windows");
    expect(resources).not.toMatch(/\/index\/gsi/);
  });
});
