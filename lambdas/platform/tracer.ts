import { Tracer } from "@aws-lambda-powertools/tracer";
import { Defaults, Env } from "../contract/env";
import { optionalEnv } from "./runtime-config";

/**
 * The container's X-Ray tracer. Powertools turns it off outside Lambda (tests, local mode) and when
 * POWERTOOLS_TRACE_ENABLED is `false`; in the stack every function runs with active tracing.
 */
export const tracer = new Tracer({ serviceName: optionalEnv(Env.serviceName, Defaults.serviceName) });

/** Records the AWS SDK v3 client's calls as subsegments (returns the client, so it wraps a construction). */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
