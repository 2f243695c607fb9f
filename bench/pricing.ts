/**
 * AWS on-demand list prices, us-east-1, used to turn the bench's metered counts into dollars. Each entry names
 * its unit, the page it comes from and when it was read. Prices change: re-read the pages before budgeting
 * and update `asOf` with the figure. Free tiers are ignored on purpose (they vanish at the scale that matters).
 */
export interface UnitPrice {
  /** US dollars for one `per` of `unit`. */
  readonly usd: number;
  readonly per: number;
  readonly unit: string;
  readonly source: string;
  readonly asOf: string;
  readonly note?: string;
}

export const Prices = {
  httpApiRequest: {
    usd: 1.0,
    per: 1_000_000,
    unit: "HTTP API request (first 300 M a month; metered in 512 KB increments)",
    source: "https://aws.amazon.com/api-gateway/pricing/",
    asOf: "2025-10",
  },
  lambdaRequest: {
    usd: 0.2,
    per: 1_000_000,
    unit: "Lambda invocation",
    source: "https://aws.amazon.com/lambda/pricing/",
    asOf: "2025-10",
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 1,
    unit: "Lambda arm64 GB-second (first 7.5 B GB-s a month; billed per ms)",
    source: "https://aws.amazon.com/lambda/pricing/",
    asOf: "2025-10",
  },
  dynamoWriteUnit: {
    usd: 0.625,
    per: 1_000_000,
    unit: "DynamoDB on-demand write request unit (Standard table class)",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    asOf: "2025-10",
    note: "after the November 2024 on-demand price reduction",
  },
  dynamoReadUnit: {
    usd: 0.125,
    per: 1_000_000,
    unit: "DynamoDB on-demand read request unit (Standard table class)",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    asOf: "2025-10",
  },
  sqsFifoRequest: {
    usd: 0.5,
    per: 1_000_000,
    unit: "SQS FIFO request (each 64 KB chunk of a payload is a request)",
    source: "https://aws.amazon.com/sqs/pricing/",
    asOf: "2025-10",
  },
  logsIngestedGb: {
    usd: 0.5,
    per: 1_000_000_000,
    unit: "CloudWatch Logs ingestion per GB (Standard class, Lambda logs first 10 TB)",
    source: "https://aws.amazon.com/cloudwatch/pricing/",
    asOf: "2025-10",
  },
  eventBridgeEvent: {
    usd: 1.0,
    per: 1_000_000,
    unit: "EventBridge custom event published (64 KB chunks)",
    source: "https://aws.amazon.com/eventbridge/pricing/",
    asOf: "2025-10",
  },
  kmsRequest: {
    usd: 0.03,
    per: 10_000,
    unit: "KMS request",
    source: "https://aws.amazon.com/kms/pricing/",
    asOf: "2025-10",
    note: "DynamoDB caches the table key's data key, so KMS calls do not scale with requests",
  },
  xrayTraceRecorded: {
    usd: 5.0,
    per: 1_000_000,
    unit: "X-Ray trace recorded",
    source: "https://aws.amazon.com/xray/pricing/",
    asOf: "2025-10",
    note: "the default sampling rule records 1 request a second per host and 5% of the rest",
  },
} as const satisfies Record<string, UnitPrice>;

export type PriceName = keyof typeof Prices;

/** Dollars for `quantity` units of `price`. */
export function dollars(price: UnitPrice, quantity: number): number {
  return (price.usd / price.per) * quantity;
}
