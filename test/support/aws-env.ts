import { inject } from "vitest";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../dev/services/dynamodb-local";

// Point every AWS SDK client created in this worker at the local services, the way local mode does.
process.env.AWS_ENDPOINT_URL_DYNAMODB = inject("dynamoEndpoint");
process.env.AWS_ENDPOINT_URL_SQS = inject("sqsEndpoint");
process.env.AWS_REGION = LOCAL_REGION;
process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
process.env.POWERTOOLS_DEV = "false";
process.env.POWERTOOLS_METRICS_DISABLED = "true";
process.env.POWERTOOLS_TRACE_ENABLED = "false";
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT";
