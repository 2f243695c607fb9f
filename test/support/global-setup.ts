import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../dev/services/dynamodb-local";
import { startSqsLocal } from "../../dev/services/sqs-local";

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
  }
}

/** Starts DynamoDB Local and the local SQS server once for the integration tier; stops both after it. */
export default async function setup(project: TestProject) {
  const [dynamo, sqs] = await Promise.all([startDynamoDbLocal(), startSqsLocal()]);
  project.provide("dynamoEndpoint", dynamo.endpoint);
  project.provide("sqsEndpoint", sqs.endpoint);
  return async () => {
    await Promise.all([dynamo.stop(), sqs.stop()]);
  };
}
