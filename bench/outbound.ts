import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { lambdaContext } from "../dev/local-server/api-gateway";
import { type SqsHandler, startSqsEventSource } from "../dev/local-server/sqs-event-source";
import { DEFAULT_ACCOUNT, startMetaSimulator } from "../dev/meta-simulator/index";
import { LOCAL_REGION } from "../dev/services/dynamodb-local";
import { createOutboundQueues } from "../dev/services/provision";
import { startSqsLocal } from "../dev/services/sqs-local";
import { Keys } from "../lambdas/adapters/dynamo/keys";
import { sqsClient } from "../lambdas/adapters/sqs/client";
import { Env } from "../lambdas/contract/env";
import { OutboundQueue } from "../lambdas/contract/queues";
import { Paths, type RouteDeclaration } from "../lambdas/contract/routes";
import { conversationId } from "../lambdas/domain/conversation";
import { sealToken, tokenKeysFrom } from "../lambdas/domain/token-seal";
import { type CallSummary, DynamoMeter, summarise } from "./support/dynamo-meter";
import { timed } from "./support/handler-timer";
import { type HttpHandler, startHttpHost } from "./support/http-host";
import { BENCH_SECRETS, seedIntegration, startBenchStack } from "./support/local-stack";
import { logMeter } from "./support/log-meter";
import { median, percentile } from "./support/stats";

export interface OutboundOptions {
  readonly runs: number;
  /** Messages accepted and then sent per run. */
  readonly messages: number;
  readonly conversations: number;
}

export const defaultOutboundOptions: OutboundOptions = { runs: 3, messages: 200, conversations: 50 };

export interface OutboundRow {
  readonly messages: number;
  /** Sent messages per second, from the first receive until Meta (the simulator) has them all. */
  readonly sendsPerSecond: number;
  readonly dynamoRequestsPerMessage: number;
  /** Estimated write units (multi-item transactions scaled, see support/dynamo-meter.ts). */
  readonly dynamoWriteUnitsPerMessage: number;
  readonly dynamoReportedWriteUnitsPerMessage: number;
  readonly dynamoWriteItemsPerMessage: number;
  readonly dynamoReadUnitsPerMessage: number;
  readonly sqsRequestsPerMessage: number;
  readonly byOperationPerMessage: Record<string, number>;
  /** Sender invocation duration in the last pass: median, fastest and mean (an invocation carries a batch). */
  readonly senderMs: { readonly median: number; readonly min: number; readonly mean?: number };
  /** Sender invocations per sent message in the last pass (batches of up to OutboundQueue.batchSize). */
  readonly senderInvocationsPerMessage?: number;
  /** Bytes the sender logged (INFO, metrics as EMF) per sent message in the cost pass. */
  readonly senderLogBytesPerMessage: number;
  /** Cost of accepting (POST /instagram/messages) each message, for the end-to-end figure. */
  readonly accept: {
    readonly dynamoRequestsPerMessage: number;
    readonly dynamoWriteUnitsPerMessage: number;
    readonly dynamoWriteItemsPerMessage: number;
    readonly dynamoReadUnitsPerMessage: number;
    readonly sqsRequestsPerMessage: number;
    readonly handlerMs: { readonly median: number; readonly min: number };
    readonly logBytesPerMessage: number;
  };
  /** `POST /instagram/messages` → Meta (the simulator) has the message, one at a time with the sender idle. */
  readonly acceptToMeta: { readonly p50Ms: number; readonly p99Ms: number };
  readonly runs: { sendsPerSecond: number[] };
}

const SEND_ROUTE: RouteDeclaration = {
  method: "POST",
  path: Paths.messages,
  auth: "jwt",
  handler: "message-send",
};
const TENANT = { imoId: "bench-org", userId: "bench-sender" };

function perMessage(summary: CallSummary, count: number): Record<string, number> {
  return Object.fromEntries(Object.entries(summary.byOperation).map(([op, n]) => [op, n / count]));
}

const LOCAL_SENDER_POLLERS = 5;

/**
 * Outbound: messages are accepted through `POST /instagram/messages` (local HTTP path), then the sender Lambda
 * drains the FIFO queue through local mode's SQS event source (Lambda's poller: 5 pollers, the stack's batch size) and
 * sends to the Meta simulator, with the cap far above the load. DynamoDB and SQS requests are metered on the
 * wire; DynamoDB write units come from `ReturnConsumedCapacity` (see support/dynamo-meter.ts).
 */
export async function outbound(options: OutboundOptions = defaultOutboundOptions): Promise<OutboundRow[]> {
  const sim = await startMetaSimulator({ appId: BENCH_SECRETS.appId, appSecret: BENCH_SECRETS.appSecret });
  const sqs = await startSqsLocal();
  const sqsMeter = await new DynamoMeter(sqs.endpoint).start();
  process.env.AWS_ENDPOINT_URL_SQS = sqsMeter.endpoint;
  const stack = await startBenchStack({
    AWS_ENDPOINT_URL_SQS: sqsMeter.endpoint,
    [Env.instagramGraphUrl]: sim.url,
    [Env.instagramApiUrl]: sim.url,
    [Env.instagramOauthUrl]: sim.url,
    [Env.sendCapPerHour]: "1000000",
  });
  const client = sqsClient();
  try {
    const queues = await createOutboundQueues(client, `bench-outbound-${Date.now()}`);
    process.env[Env.outboundQueueUrl] = queues.queueUrl;
    process.env[Env.outboundDlqUrl] = queues.dlqUrl;
    const keys = tokenKeysFrom({ ...BENCH_SECRETS, previousTokenEncryptionKeys: [] });
    const igAccountId = DEFAULT_ACCOUNT.igId;
    await seedIntegration(stack, igAccountId, {
      ...TENANT,
      appScopedUserId: DEFAULT_ACCOUNT.appScopedId,
      token: sealToken(sim.issueToken({ igAccountId }), keys, { ...TENANT, igAccountId }),
      tokenIssuedAt: Date.now(),
      tokenExpiresAt: Date.now() + 50 * 86_400_000,
    });
    const igsids = Array.from(
      { length: options.conversations },
      (_, i) => `34168709250${String(i).padStart(5, "0")}`,
    );
    for (const igsid of igsids) {
      sim.openWindow({ igAccountId, igsid });
      const at = Date.now() - 60_000;
      await stack.client.send(
        new PutCommand({
          TableName: stack.tableName,
          Item: {
            ...Keys.conversation(TENANT.imoId, igAccountId, igsid),
            ...Keys.inbox(TENANT.imoId, igAccountId),
            gsi1sk: `${new Date(at).toISOString()}#${igsid}`,
            entity: "conversation",
            imoId: TENANT.imoId,
            igAccountId,
            igsid,
            lastActivityAt: at,
            lastCustomerMessageAt: at,
            unreadCount: 1,
          },
        }),
      );
    }
    const { handler: accept } = (await import("../lambdas/handlers/message-send")) as {
      handler: HttpHandler;
    };
    const acceptMs: number[] = [];
    const senderMs: number[] = [];
    const logBytes = { accept: 0, sender: 0 };
    const host = await startHttpHost([{ route: SEND_ROUTE, handler: timed(accept, acceptMs) }]);
    const queueArn = `arn:aws:sqs:${LOCAL_REGION}:000000000000:${queues.queueUrl.split("/").pop() ?? ""}`;
    const sendsPerSecond: number[] = [];
    const senderCalls: { dynamo: CallSummary; sqs: CallSummary }[] = [];
    const acceptCalls: { dynamo: CallSummary; sqs: CallSummary }[] = [];
    let sequence = 0;
    /** Accepts reply number `i` (conversations round-robin) through the HTTP API; returns its text. */
    const acceptOne = async (i: number): Promise<string> => {
      sequence += 1;
      const text = `Benchmark reply ${sequence}`;
      const response = await fetch(`${host.url}${Paths.messages}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-bench-claims": JSON.stringify({ sub: TENANT.userId, imo_id: TENANT.imoId }),
        },
        body: JSON.stringify({
          conversationId: conversationId(igAccountId, igsids[i % igsids.length] ?? ""),
          text,
        }),
      });
      if (response.status !== 202)
        throw new Error(`accept answered ${response.status}: ${await response.text()}`);
      return text;
    };
    const startSender = (durations: number[]) =>
      startSqsEventSource({
        client,
        queueUrl: queues.queueUrl,
        queueArn,
        region: LOCAL_REGION,
        batchSize: OutboundQueue.batchSize,
        // The stack's maxConcurrency (400) is sized for 10,000 accounts (bench/scale.ts); two cores run five.
        pollers: LOCAL_SENDER_POLLERS,
        waitTimeSeconds: 1,
        loadHandler: async () =>
          timed(
            ((await import("../lambdas/handlers/sender")) as unknown as { handler: SqsHandler }).handler,
            durations,
          ),
        context: () => lambdaContext("sender", OutboundQueue.senderTimeoutSeconds * 1000),
        onError: (message) => process.stderr.write(`bench sender: ${message}\n`),
      });
    const acceptToMeta: number[] = [];
    try {
      // The last pass prices transactions item by item (slower), so it measures cost, not speed.
      for (let run = 0; run <= options.runs; run++) {
        const costPass = run === options.runs;
        stack.meter.priceTransactions = costPass;
        stack.meter.reset();
        sqsMeter.reset();
        acceptMs.length = 0;
        logMeter.reset();
        logMeter.counting = costPass;
        for (let i = 0; i < options.messages; i++) await acceptOne(i);
        logMeter.counting = false;
        if (costPass) {
          acceptCalls.push({ dynamo: summarise(stack.meter.calls), sqs: summarise(sqsMeter.calls) });
          logBytes.accept = logMeter.bytes;
        }

        stack.meter.reset();
        sqsMeter.reset();
        senderMs.length = 0;
        logMeter.reset();
        logMeter.counting = costPass;
        const target = sim.sentMessages(igAccountId).length + options.messages;
        const started = performance.now();
        const source = startSender(senderMs);
        const deadline = Date.now() + 300_000;
        while (sim.sentMessages(igAccountId).length < target) {
          if (Date.now() > deadline) throw new Error("the sender did not drain the backlog within 5 minutes");
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        if (!costPass) sendsPerSecond.push(options.messages / ((performance.now() - started) / 1000));
        // Let the last invocations delete their records before stopping the pollers.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await source.stop();
        // A long poll aborted by stop() is still open on the server for up to its wait time; a message
        // enqueued meanwhile would be handed to it and stay invisible (its group locked) for the visibility
        // timeout. Let those polls expire before the next run enqueues.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        logMeter.counting = false;
        if (costPass) {
          senderCalls.push({ dynamo: summarise(stack.meter.calls), sqs: summarise(sqsMeter.calls) });
          logBytes.sender = logMeter.bytes;
        }
      }
      // End to end, one message at a time with the sender's pollers idle and waiting.
      const source = startSender([]);
      for (let i = 0; i < Math.min(100, options.messages); i++) {
        const started = performance.now();
        const text = await acceptOne(i);
        while (!sim.sentMessages(igAccountId).some((m) => m.text === text)) {
          if (performance.now() - started > 30_000) throw new Error("an accepted message never reached Meta");
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        acceptToMeta.push(performance.now() - started);
      }
      await source.stop();
    } finally {
      await host.stop();
    }
    const n = options.messages;
    const med = (values: number[]) => median(values) / n;
    const last = senderCalls[senderCalls.length - 1];
    return [
      {
        messages: n,
        sendsPerSecond: median(sendsPerSecond),
        dynamoRequestsPerMessage: med(senderCalls.map((c) => c.dynamo.requests)),
        dynamoWriteUnitsPerMessage: med(senderCalls.map((c) => c.dynamo.writeUnits)),
        dynamoReportedWriteUnitsPerMessage: med(senderCalls.map((c) => c.dynamo.reportedWriteUnits)),
        dynamoWriteItemsPerMessage: med(senderCalls.map((c) => c.dynamo.writeItems)),
        dynamoReadUnitsPerMessage: med(senderCalls.map((c) => c.dynamo.readUnits)),
        sqsRequestsPerMessage: med(senderCalls.map((c) => c.sqs.requests)),
        senderMs: {
          median: median(senderMs),
          min: Math.min(...senderMs),
          mean: senderMs.reduce((a, b) => a + b, 0) / Math.max(1, senderMs.length),
        },
        senderInvocationsPerMessage: senderMs.length / n,
        senderLogBytesPerMessage: logBytes.sender / n,
        byOperationPerMessage: last
          ? { ...perMessage(last.dynamo, n), ...prefixed("SQS ", perMessage(last.sqs, n)) }
          : {},
        accept: {
          dynamoRequestsPerMessage: med(acceptCalls.map((c) => c.dynamo.requests)),
          dynamoWriteUnitsPerMessage: med(acceptCalls.map((c) => c.dynamo.writeUnits)),
          dynamoWriteItemsPerMessage: med(acceptCalls.map((c) => c.dynamo.writeItems)),
          dynamoReadUnitsPerMessage: med(acceptCalls.map((c) => c.dynamo.readUnits)),
          sqsRequestsPerMessage: med(acceptCalls.map((c) => c.sqs.requests)),
          handlerMs: { median: median(acceptMs), min: Math.min(...acceptMs) },
          logBytesPerMessage: logBytes.accept / n,
        },
        acceptToMeta: { p50Ms: percentile(acceptToMeta, 50), p99Ms: percentile(acceptToMeta, 99) },
        runs: { sendsPerSecond },
      },
    ];
  } finally {
    client.destroy();
    await stack.stop();
    await sqsMeter.stop();
    await sqs.stop();
    await sim.stop();
  }
}

function prefixed(prefix: string, values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`${prefix}${k}`, v]));
}

/** `tsx bench/outbound.ts` runs this part alone (one quick run). */
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rows = await outbound({
    ...defaultOutboundOptions,
    runs: Number(process.env.BENCH_RUNS ?? 1),
    messages: 60,
  });
  writeFileSync(1, `${JSON.stringify(rows, null, 2)}\n`);
  process.exit(0);
}
