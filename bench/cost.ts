import { type Costed, costPerMillion, type Usage, XRAY_SAMPLED_SHARE } from "./cost-model";
import type { InboundRow } from "./inbound";
import type { OutboundRow } from "./outbound";

/**
 * Each function's memory as the stack configures it (lib/constructs/api.ts, house-function.ts); an infra test
 * checks this table against the synthesized template, so the prices follow the stack.
 */
export const FunctionMemoryMb = {
  "webhook-receive": 1024,
  "message-send": 512,
  sender: 512,
} as const;

/** The customers the inbound bench spreads its events over (one conversation each). */
const INBOUND_CONVERSATIONS = 50;

/** Events the stream derives per DM (docs/events.md): `message.received`; `queued`, `sending`, `sent` statuses. */
const EVENTS_PER_INBOUND_DM = 1;
const EVENTS_PER_SENT_DM = 3;

export interface CostRow {
  readonly what: string;
  readonly actual: Costed;
  readonly floor: Costed;
}

/**
 * One inbound DM delivered `batchSize` to a POST: what it costs as measured, and the floor any implementation
 * pays for the same guarantees — one API request and one invocation per POST (at the duration of verifying the
 * signature only, the bench's baseline), the routing read, the message item written once and its conversation's
 * summary updated once per POST (items ≤ 1 KB, no index), the `message.received` event, nothing logged, no tracing.
 */
export function inboundCost(row: InboundRow): CostRow {
  const perPost = 1 / row.batchSize;
  const conversationsPerPost = Math.min(row.batchSize, INBOUND_CONVERSATIONS);
  const fn = (durationMs: number) => ({
    name: "webhook-receive",
    memoryMb: FunctionMemoryMb["webhook-receive"],
    invocations: perPost,
    durationMs,
  });
  const actual: Usage = {
    httpApiRequests: perPost,
    functions: [fn(row.handlerMs)],
    dynamoWriteUnits: row.dynamo.writeUnitsPerEvent,
    dynamoReadUnits: row.dynamo.readUnitsPerEvent,
    sqsRequests: 0,
    logBytes: row.logBytesPerEvent,
    eventBridgeEvents: EVENTS_PER_INBOUND_DM,
    xrayTraces: perPost * XRAY_SAMPLED_SHARE,
  };
  const floor: Usage = {
    httpApiRequests: perPost,
    functions: [fn(row.baselineHandlerMs)],
    dynamoWriteUnits: 1 + conversationsPerPost * perPost,
    dynamoReadUnits: 0.5 * perPost,
    sqsRequests: 0,
    logBytes: 0,
    eventBridgeEvents: EVENTS_PER_INBOUND_DM,
    xrayTraces: 0,
  };
  return {
    what: `inbound, ${row.batchSize} per POST`,
    actual: costPerMillion(actual),
    floor: costPerMillion(floor),
  };
}

/**
 * One sent DM, accept + sender. Floor: one API request, each function once at its fastest measured invocation,
 * the message item written at accept and updated once to `sent`, the conversation's summary updated, the sender
 * reading the message and the account's token (eventually consistent), one SQS send, receive and delete, the
 * `sent` event, nothing logged, no tracing.
 */
export function outboundCost(row: OutboundRow): CostRow {
  const fns = (acceptMs: number, senderMs: number, senderInvocations = 1) => [
    {
      name: "message-send",
      memoryMb: FunctionMemoryMb["message-send"],
      invocations: 1,
      durationMs: acceptMs,
    },
    {
      name: "sender",
      memoryMb: FunctionMemoryMb.sender,
      invocations: senderInvocations,
      durationMs: senderMs,
    },
  ];
  const actual: Usage = {
    httpApiRequests: 1,
    // A sender invocation carries a batch: its invocations and their mean duration per sent message.
    functions: fns(
      row.accept.handlerMs.median,
      row.senderMs.mean ?? row.senderMs.median,
      row.senderInvocationsPerMessage ?? 1,
    ),
    dynamoWriteUnits: row.accept.dynamoWriteUnitsPerMessage + row.dynamoWriteUnitsPerMessage,
    dynamoReadUnits: row.accept.dynamoReadUnitsPerMessage + row.dynamoReadUnitsPerMessage,
    sqsRequests: row.accept.sqsRequestsPerMessage + row.sqsRequestsPerMessage,
    logBytes: row.accept.logBytesPerMessage + row.senderLogBytesPerMessage,
    eventBridgeEvents: EVENTS_PER_SENT_DM,
    xrayTraces: 2 * XRAY_SAMPLED_SHARE,
  };
  const floor: Usage = {
    httpApiRequests: 1,
    functions: fns(row.accept.handlerMs.min, row.senderMs.min),
    dynamoWriteUnits: 3,
    dynamoReadUnits: 1,
    sqsRequests: 3,
    logBytes: 0,
    eventBridgeEvents: 1,
    xrayTraces: 0,
  };
  return { what: "sent (accept + sender)", actual: costPerMillion(actual), floor: costPerMillion(floor) };
}
