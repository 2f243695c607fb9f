import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentClient } from "../../lambdas/adapters/dynamo/client";
import { Keys } from "../../lambdas/adapters/dynamo/keys";
import {
  bothSecrets,
  parseCredentialsDocument,
  parseTokenKeyDocument,
  secretsManagerLoader,
} from "../../lambdas/adapters/secrets";
import { OutboundQueue } from "../../lambdas/contract/queues";
import { credentialsDocument, FAKE, tokenKeyDocument } from "../support/fake-secrets";
import { freshQueues, freshTable, localSqs } from "../support/local-aws";
import { startSecretsManagerStandIn } from "../support/secrets-manager-standin";

describe("DynamoDB Local through the real SDK, with the production schema", () => {
  const db = documentClient();
  let tableName: string;

  beforeAll(async () => {
    tableName = await freshTable();
  });

  it("conditional puts reject a second write of the same key", async () => {
    const item = { ...Keys.message("imo-1", "mid-1"), text: "hi" };
    await db.send(
      new PutCommand({ TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
    );
    await expect(
      db.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it("the overloaded gsi1 serves an inbox query in last-activity order", async () => {
    const inbox = Keys.inbox("imo-1", "17841462871093525");
    for (const [igsid, at] of [
      ["1", "2026-01-01T10:00:00Z"],
      ["2", "2026-01-01T12:00:00Z"],
      ["3", "2026-01-01T11:00:00Z"],
    ] as const) {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...Keys.conversation("imo-1", "17841462871093525", igsid),
            ...inbox,
            gsi1sk: `${at}#${igsid}`,
          },
        }),
      );
    }
    const result = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": inbox.gsi1pk },
        ScanIndexForward: false,
      }),
    );
    expect(result.Items?.map((item) => item.sk === "CONV" && item.pk.split("#").at(-1))).toEqual([
      "2",
      "3",
      "1",
    ]);
  });
});

describe("the local SQS server through the real SDK, with the production queue settings", () => {
  let sqs: SQSClient;
  let queueUrl: string;
  let dlqUrl: string;

  beforeAll(async () => {
    sqs = localSqs();
    ({ queueUrl, dlqUrl } = await freshQueues(sqs));
  });

  const send = (group: string, id: string) =>
    sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: id,
        MessageGroupId: group,
        MessageDeduplicationId: id,
      }),
    );

  it("locks a message group while one of its messages is in flight (per-conversation order)", async () => {
    await send("conv-a", "a1");
    await send("conv-a", "a2");
    await send("conv-b", "b1");
    const first = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 30 }),
    );
    expect(first.Messages?.map((m) => m.Body)).toEqual(["a1"]);
    const second = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
    );
    expect(second.Messages?.map((m) => m.Body)).toEqual(["b1"]);
    for (const message of [...(first.Messages ?? []), ...(second.Messages ?? [])]) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
    const third = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    expect(third.Messages?.map((m) => m.Body)).toEqual(["a2"]);
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: third.Messages?.[0]?.ReceiptHandle }),
    );
  });

  it("moves a message to the DLQ after maxReceiveCount receives", async () => {
    await send("poison", "p1");
    for (let i = 0; i < OutboundQueue.maxReceiveCount; i++) {
      const got = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0, AttributeNames: ["All"] }),
      );
      expect(got.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe(String(i + 1));
    }
    const afterLimit = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    expect(afterLimit.Messages ?? []).toHaveLength(0);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl }));
    expect(dead.Messages?.map((m) => m.Body)).toEqual(["p1"]);
  });
});

describe("Secrets Manager loaders through the real SDK (wire-level stand-in)", () => {
  let standIn: Awaited<ReturnType<typeof startSecretsManagerStandIn>>;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    standIn = await startSecretsManagerStandIn(
      { "credentials-arn": credentialsDocument(), "token-key-arn": tokenKeyDocument(), broken: "{}" },
      ["denied-arn"],
    );
    client = new SecretsManagerClient({ endpoint: standIn.endpoint });
  });
  afterAll(() => standIn.stop());

  it("loads and parses each secret from its own id", async () => {
    const credentials = await secretsManagerLoader(client, "credentials-arn", parseCredentialsDocument)();
    expect(credentials.appSecret).toBe(FAKE.igAppSecret);
    expect(credentials.signingSecrets).toEqual([FAKE.igAppSecret]);
    const keys = await secretsManagerLoader(client, "token-key-arn", parseTokenKeyDocument)();
    expect(keys.tokenEncryptionKey).toBe(FAKE.tokenEncryptionKey);
    expect(standIn.calls).toEqual(expect.arrayContaining(["credentials-arn", "token-key-arn"]));
  });

  it("both secrets in one load, and one round trip each while cached", async () => {
    const before = standIn.calls.length;
    const load = bothSecrets(
      secretsManagerLoader(client, "credentials-arn", parseCredentialsDocument),
      secretsManagerLoader(client, "token-key-arn", parseTokenKeyDocument),
    );
    const first = await load();
    expect(first).toMatchObject({ appId: FAKE.appId, tokenEncryptionKey: FAKE.tokenEncryptionKey });
    expect(await load()).toBe(first);
    expect(standIn.calls.length - before).toBe(2);
  });

  it("names the missing fields of an incomplete secret without echoing any value", async () => {
    await expect(secretsManagerLoader(client, "broken", parseCredentialsDocument)()).rejects.toThrow(
      /INSTAGRAM_APP_ID.*INSTAGRAM_APP_SECRET/,
    );
  });

  it("surfaces a missing or forbidden secret as the SDK's error", async () => {
    await expect(secretsManagerLoader(client, "nope", parseCredentialsDocument)()).rejects.toThrow(
      /can't find/,
    );
    await expect(secretsManagerLoader(client, "denied-arn", parseTokenKeyDocument)()).rejects.toThrow(
      /not authorized/,
    );
  });
});
