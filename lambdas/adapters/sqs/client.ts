import { SQSClient } from "@aws-sdk/client-sqs";
import { traced } from "../../platform/tracer";

/**
 * The SQS client of a container. Requests go to the configured endpoint (the regional one in AWS,
 * AWS_ENDPOINT_URL_SQS in local mode) rather than to the host inside each queue URL, which a local
 * server names `sqs.<region>.localhost`.
 */
export function sqsClient(): SQSClient {
  return traced(new SQSClient({ useQueueUrlAsEndpoint: false }));
}
