import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from "../services/dynamodb-local";
import { portInUse } from "../services/free-port";
import {
  createErasureQueues,
  createHistoryQueues,
  createOutboundQueues,
  createProfileQueues,
  createTable,
} from "../services/provision";
import { startSqsLocal } from "../services/sqs-local";
import type { LocalSettings } from "./settings";
import type { StopStack } from "./stop-stack";

export const LOCAL_TABLE_NAME = "instagram-dm-local";
const LOCAL_QUEUE_NAME = "instagram-dm-outbound";
const LOCAL_ERASURE_QUEUE_NAME = "instagram-dm-erasure";
const LOCAL_HISTORY_QUEUE_NAME = "instagram-dm-history";
const LOCAL_PROFILE_QUEUE_NAME = "instagram-dm-profiles";

/** DynamoDB Local and fauxqs, provisioned from the shared declarations. */
export interface LocalServices {
  readonly dynamoDbEndpoint: string;
  readonly dynamoDbPid: number;
  readonly sqsEndpoint: string;
  /** A client on fauxqs for the sender's pollers; destroyed on stop. */
  readonly sqsClient: SQSClient;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly queueArn: string;
  /** Data deletion jobs, run by the erasure worker's pollers. */
  readonly erasure: { readonly queueUrl: string; readonly dlqUrl: string; readonly queueArn: string };
  /** History import steps, run by the history worker's poller. */
  readonly history: { readonly queueUrl: string; readonly dlqUrl: string; readonly queueArn: string };
  /** Customer profile fetch jobs, run by the profile-fetch worker's pollers. */
  readonly profiles: { readonly queueUrl: string; readonly dlqUrl: string; readonly queueArn: string };
}

async function assertPortFree(port: number | undefined, variable: string): Promise<void> {
  if (port !== undefined && port !== 0 && (await portInUse(port))) {
    throw new Error(`Port ${port} is in use; stop what runs there or choose another with ${variable}.`);
  }
}

/** Fails fast, before anything starts, when a fixed port is taken. */
export async function assertPortsFree(settings: LocalSettings): Promise<void> {
  await assertPortFree(settings.port, "PORT");
  await assertPortFree(settings.sqsPort, "SQS_PORT");
  await assertPortFree(settings.metaSimulatorPort, "META_SIM_PORT");
}

/** Starts both services side by side, creates the table and the outbound queues; each start lands on `stops`. */
export async function startLocalServices(settings: LocalSettings, stops: StopStack): Promise<LocalServices> {
  const persistPath = settings.persist ? settings.persistPath : undefined;
  const [dynamoResult, sqsResult] = await Promise.allSettled([
    startDynamoDbLocal({
      ...(settings.dynamoDbPort === undefined ? {} : { port: settings.dynamoDbPort }),
      ...(persistPath ? { persistPath } : {}),
    }),
    startSqsLocal(settings.sqsPort === undefined ? {} : { port: settings.sqsPort }),
  ]);
  if (dynamoResult.status === "fulfilled") stops.push(() => dynamoResult.value.stop());
  if (sqsResult.status === "fulfilled") stops.push(() => sqsResult.value.stop());
  if (dynamoResult.status === "rejected") throw dynamoResult.reason;
  if (sqsResult.status === "rejected") throw sqsResult.reason;
  const dynamo = dynamoResult.value;
  const sqs = sqsResult.value;

  const awsClientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const dynamoClient = new DynamoDBClient({ ...awsClientConfig, endpoint: dynamo.endpoint });
  await createTable(dynamoClient, LOCAL_TABLE_NAME);
  dynamoClient.destroy();
  const sqsClient = new SQSClient({ ...awsClientConfig, endpoint: sqs.endpoint });
  stops.push(async () => sqsClient.destroy());
  const queues = await createOutboundQueues(sqsClient, LOCAL_QUEUE_NAME);
  const erasure = await createErasureQueues(sqsClient, LOCAL_ERASURE_QUEUE_NAME);
  const history = await createHistoryQueues(sqsClient, LOCAL_HISTORY_QUEUE_NAME);
  const profiles = await createProfileQueues(sqsClient, LOCAL_PROFILE_QUEUE_NAME);
  const attributes = await sqsClient.send(
    new GetQueueAttributesCommand({ QueueUrl: queues.queueUrl, AttributeNames: ["QueueArn"] }),
  );
  return {
    dynamoDbEndpoint: dynamo.endpoint,
    dynamoDbPid: dynamo.pid,
    sqsEndpoint: sqs.endpoint,
    sqsClient,
    queueUrl: queues.queueUrl,
    dlqUrl: queues.dlqUrl,
    queueArn: attributes.Attributes?.QueueArn ?? `arn:aws:sqs:${LOCAL_REGION}:000000000000:queue`,
    erasure,
    history,
    profiles,
  };
}
