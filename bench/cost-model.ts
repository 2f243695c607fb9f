import { dollars, type PriceName, Prices } from "./pricing";

/** One Lambda function's share of one DM: how often it runs per DM, how long, at what memory. */
export interface FunctionUsage {
  readonly name: string;
  readonly memoryMb: number;
  readonly invocations: number;
  readonly durationMs: number;
}

/** What one DM (one inbound event, or one sent message) consumes, from the bench's meters. */
export interface Usage {
  readonly httpApiRequests: number;
  readonly functions: readonly FunctionUsage[];
  readonly dynamoWriteUnits: number;
  readonly dynamoReadUnits: number;
  readonly sqsRequests: number;
  /** Log bytes ingested: the handlers' own lines (metrics as EMF included) and the platform's per invocation. */
  readonly logBytes: number;
  readonly eventBridgeEvents: number;
  /** Traces recorded (entry-point invocations × the share the sampling rule keeps). */
  readonly xrayTraces: number;
}

export interface CostLine {
  readonly item: string;
  readonly usdPerMillion: number;
}

export interface Costed {
  readonly lines: readonly CostLine[];
  readonly usdPerMillion: number;
}

const MILLION = 1_000_000;

function line(item: string, price: PriceName, quantityPerDm: number): CostLine {
  return { item, usdPerMillion: dollars(Prices[price], quantityPerDm * MILLION) };
}

/** Lambda bills duration per millisecond, rounded up, at the configured memory. */
function gbSeconds(f: FunctionUsage): number {
  return (f.memoryMb / 1024) * (Math.ceil(f.durationMs) / 1000) * f.invocations;
}

/** US dollars per million DMs of `usage`, item by item (see bench/pricing.ts for each unit price). */
export function costPerMillion(usage: Usage): Costed {
  const invocations = usage.functions.reduce((sum, f) => sum + f.invocations, 0);
  const lines: CostLine[] = [
    line("HTTP API requests", "httpApiRequest", usage.httpApiRequests),
    line("Lambda requests", "lambdaRequest", invocations),
    line(
      "Lambda duration",
      "lambdaArmGbSecond",
      usage.functions.reduce((sum, f) => sum + gbSeconds(f), 0),
    ),
    line("DynamoDB writes", "dynamoWriteUnit", usage.dynamoWriteUnits),
    line("DynamoDB reads", "dynamoReadUnit", usage.dynamoReadUnits),
    line("SQS requests", "sqsFifoRequest", usage.sqsRequests),
    line("CloudWatch Logs", "logsIngestedGb", usage.logBytes),
    line("EventBridge events", "eventBridgeEvent", usage.eventBridgeEvents),
    line("X-Ray traces", "xrayTraceRecorded", usage.xrayTraces),
  ];
  return { lines, usdPerMillion: lines.reduce((sum, l) => sum + l.usdPerMillion, 0) };
}

/**
 * Share of invocations the default X-Ray sampling rule records at scale (1 a second per host, then 5 %):
 * the stack keeps the default rule, so at a million DMs a day the 5 % dominates.
 */
export const XRAY_SAMPLED_SHARE = 0.05;

/**
 * Bytes the Lambda platform writes per invocation when it logs at INFO (START, END, REPORT and, with active
 * tracing, the XRAY line), measured from the lines' documented shapes. The stack sets the system log level to
 * WARN (lib/constructs/house-function.ts), so these are 0 for our functions; the figure shows what that saves.
 */
export const PLATFORM_LOG_BYTES_AT_INFO = 380;
