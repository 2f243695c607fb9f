import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { SQSClient } from "@aws-sdk/client-sqs";
import { metaJson, signMetaBody } from "../dev/meta-simulator/signing";
import { batch, customerText, type WebhookPayload } from "../dev/meta-simulator/webhook-payloads";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../dev/services/dynamodb-local";
import { createProfileQueues } from "../dev/services/provision";
import { startSqsLocal } from "../dev/services/sqs-local";
import { Env } from "../lambdas/contract/env";
import { Paths, type RouteDeclaration } from "../lambdas/contract/routes";
import { type CallSummary, summarise } from "./support/dynamo-meter";
import { timed } from "./support/handler-timer";
import { type HttpHandler, startHttpHost } from "./support/http-host";
import { BENCH_SECRETS, seedIntegration, startBenchStack } from "./support/local-stack";
import { logMeter } from "./support/log-meter";
import { median, percentile, ratio } from "./support/stats";

const WEBHOOK_ROUTE: RouteDeclaration = {
  method: "POST",
  path: Paths.webhook,
  auth: "public",
  handler: "webhook-receive",
};
const MESSAGES_ROUTE: RouteDeclaration = {
  method: "GET",
  path: Paths.conversationMessages,
  auth: "jwt",
  handler: "conversation-messages",
};
const IG_ACCOUNT = "17841400000000001";
/** POSTs of the end-to-end pass (webhook POST → the message readable in the app API). */
const LATENCY_SAMPLES = 100;
const CUSTOMERS = 50;

export interface InboundOptions {
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly concurrency: number;
  /** Events sent per run and batch size (at least `minPosts` POSTs). */
  readonly eventsPerRun: number;
  readonly minPosts: number;
}

export const defaultInboundOptions: InboundOptions = {
  sizes: [1, 10, 100, 1000],
  runs: 3,
  concurrency: 4,
  eventsPerRun: 600,
  minPosts: 2,
};

interface Post {
  readonly body: string;
  readonly signature: string;
}

let sequence = 0;

/** A signed delivery of `size` distinct customer text messages (one entry per event, as Meta batches). */
function signedDelivery(size: number): Post {
  const now = Date.now();
  const payloads: WebhookPayload[] = [];
  for (let i = 0; i < size; i++) {
    sequence += 1;
    payloads.push(
      customerText({
        igAccountId: IG_ACCOUNT,
        igsid: `34168709251${String(sequence % CUSTOMERS).padStart(5, "0")}`,
        timestamp: now + i,
        mid: `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxbench${String(sequence).padStart(12, "0")}ZDZD`,
        text: `Benchmark message ${sequence}: do you still have the linen shirt in size M?`,
      }),
    );
  }
  const body = metaJson(batch(...payloads));
  return { body, signature: signMetaBody(body, BENCH_SECRETS.appSecret) };
}

async function post(url: string, delivery: Post): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${url}${Paths.webhook}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": delivery.signature },
    body: delivery.body,
  });
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

interface LoadResult {
  readonly eventsPerSecond: number;
  readonly latencyMs: number[];
  readonly non2xx: number;
  readonly statuses: Record<string, number>;
}

/** Closed-loop load: `concurrency` clients each POST the next prepared delivery as soon as the last is acked. */
async function load(
  url: string,
  deliveries: readonly Post[],
  size: number,
  concurrency: number,
): Promise<LoadResult> {
  const latencyMs: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const delivery = deliveries[next];
        next += 1;
        if (delivery === undefined) return;
        const { status, ms } = await post(url, delivery);
        latencyMs.push(ms);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const non2xx = Object.entries(statuses)
    .filter(([status]) => !status.startsWith("2"))
    .reduce((sum, [, count]) => sum + count, 0);
  return { eventsPerSecond: (deliveries.length * size) / seconds, latencyMs, non2xx, statuses };
}

export interface InboundRow {
  readonly batchSize: number;
  readonly posts: number;
  readonly eventsPerSecond: number;
  readonly baselineEventsPerSecond: number;
  /** Handler throughput over baseline throughput (1.0 = as fast as verifying the signature alone). */
  readonly throughputRatio: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly baselineP50Ms: number;
  readonly baselineP99Ms: number;
  readonly p50Ratio: number;
  readonly dynamo: {
    readonly requestsPerEvent: number;
    /** Estimated write units (multi-item transactions scaled, see support/dynamo-meter.ts). */
    readonly writeUnitsPerEvent: number;
    /** Write units exactly as DynamoDB Local reported them. */
    readonly reportedWriteUnitsPerEvent: number;
    readonly writeItemsPerEvent: number;
    readonly readUnitsPerEvent: number;
    /** Longest chain of dependent DynamoDB round trips inside one POST (the critical path). */
    readonly sequentialRoundTripsPerPost: number;
    readonly byOperationPerPost: Record<string, number>;
  };
  /** Median handler duration of one POST in the cost pass (what Lambda bills), and the baseline's. */
  readonly handlerMs: number;
  readonly baselineHandlerMs: number;
  /** Bytes and lines the handler logged (INFO, metrics as EMF) per event in the cost pass. */
  readonly logBytesPerEvent: number;
  readonly logLinesPerEvent: number;
  /**
   * One event per POST only: from the webhook POST's start until `GET …/messages` of the app API shows the
   * message (one customer writing, one app reading, nothing else running).
   */
  readonly endToEnd?: { readonly p50Ms: number; readonly p99Ms: number };
  readonly non2xx: number;
  readonly statuses: Record<string, number>;
  readonly runs: { eventsPerSecond: number[]; baselineEventsPerSecond: number[] };
}

/**
 * Inbound webhook throughput, latency and DynamoDB cost per event, through the local HTTP path, side by side
 * with a baseline that only verifies the signature. Runs alternate handler and baseline so machine noise hits
 * both; figures are medians over runs. DynamoDB is metered on the wire (see support/dynamo-meter.ts) in a
 * separate pass of one POST at a time, so each request is attributed to its POST.
 */
export async function inbound(options: InboundOptions = defaultInboundOptions): Promise<InboundRow[]> {
  // As deployed, the webhook also asks for customer profiles (docs/app-api.md): a local SQS server and the
  // profile queue, so the acknowledgement and the cost include that request.
  const sqs = await startSqsLocal();
  const stack = await startBenchStack({ AWS_ENDPOINT_URL_SQS: sqs.endpoint });
  const sqsClient = new SQSClient({
    endpoint: sqs.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const profiles = await createProfileQueues(sqsClient, `bench-profiles-${Date.now()}`);
    process.env[Env.profileQueueUrl] = profiles.queueUrl;
    await seedIntegration(stack, IG_ACCOUNT);
    const { handler } = (await import("../lambdas/handlers/webhook-receive")) as { handler: HttpHandler };
    const { baselineWebhookHandler } = await import("./support/baseline-webhook");
    const { handler: readMessages } = (await import("../lambdas/handlers/conversation-messages")) as {
      handler: HttpHandler;
    };
    const handlerMs: number[] = [];
    const baselineMs: number[] = [];
    const host = await startHttpHost([
      { route: WEBHOOK_ROUTE, handler: timed(handler, handlerMs) },
      { route: MESSAGES_ROUTE, handler: readMessages },
    ]);
    const baselineHost = await startHttpHost([
      { route: WEBHOOK_ROUTE, handler: timed(baselineWebhookHandler, baselineMs) },
    ]);
    try {
      // Warm both (secrets cache, integration lookup, connection pools); a 501 here means not built yet.
      const warm = await post(host.url, signedDelivery(1));
      await post(baselineHost.url, signedDelivery(1));
      if (warm.status === 501) throw new Error("webhook-receive answers 501 (not implemented yet)");
      const rows: InboundRow[] = [];
      for (const size of options.sizes) {
        const posts = Math.max(options.minPosts, Math.ceil(options.eventsPerRun / size));
        const handlerRuns: LoadResult[] = [];
        const baselineRuns: LoadResult[] = [];
        for (let run = 0; run < options.runs; run++) {
          const deliveries = Array.from({ length: posts }, () => signedDelivery(size));
          handlerRuns.push(await load(host.url, deliveries, size, options.concurrency));
          baselineRuns.push(await load(baselineHost.url, deliveries, size, options.concurrency));
        }
        const perPost: CallSummary[] = [];
        const costPosts = Math.max(2, Math.min(20, Math.ceil(200 / size)));
        stack.meter.priceTransactions = true;
        handlerMs.length = 0;
        baselineMs.length = 0;
        logMeter.reset();
        for (let i = 0; i < costPosts; i++) {
          const delivery = signedDelivery(size);
          stack.meter.reset();
          logMeter.counting = true;
          await post(host.url, delivery);
          logMeter.counting = false;
          perPost.push(summarise(stack.meter.calls));
          await post(baselineHost.url, delivery);
        }
        stack.meter.priceTransactions = false;
        const eventsPerSecond = median(handlerRuns.map((r) => r.eventsPerSecond));
        const baselineEventsPerSecond = median(baselineRuns.map((r) => r.eventsPerSecond));
        const latencies = handlerRuns.flatMap((r) => r.latencyMs);
        const baselineLatencies = baselineRuns.flatMap((r) => r.latencyMs);
        const operations = new Set(perPost.flatMap((s) => Object.keys(s.byOperation)));
        const statuses: Record<string, number> = {};
        for (const r of handlerRuns) {
          for (const [status, count] of Object.entries(r.statuses))
            statuses[status] = (statuses[status] ?? 0) + count;
        }
        rows.push({
          batchSize: size,
          posts,
          eventsPerSecond,
          baselineEventsPerSecond,
          throughputRatio: ratio(eventsPerSecond, baselineEventsPerSecond),
          p50Ms: percentile(latencies, 50),
          p99Ms: percentile(latencies, 99),
          baselineP50Ms: percentile(baselineLatencies, 50),
          baselineP99Ms: percentile(baselineLatencies, 99),
          p50Ratio: ratio(percentile(latencies, 50), percentile(baselineLatencies, 50)),
          dynamo: {
            requestsPerEvent: median(perPost.map((s) => s.requests)) / size,
            writeUnitsPerEvent: median(perPost.map((s) => s.writeUnits)) / size,
            reportedWriteUnitsPerEvent: median(perPost.map((s) => s.reportedWriteUnits)) / size,
            writeItemsPerEvent: median(perPost.map((s) => s.writeItems)) / size,
            readUnitsPerEvent: median(perPost.map((s) => s.readUnits)) / size,
            sequentialRoundTripsPerPost: median(perPost.map((s) => s.sequentialRoundTrips)),
            byOperationPerPost: Object.fromEntries(
              [...operations].sort().map((op) => [op, median(perPost.map((s) => s.byOperation[op] ?? 0))]),
            ),
          },
          handlerMs: median(handlerMs),
          baselineHandlerMs: median(baselineMs),
          logBytesPerEvent: logMeter.bytes / (costPosts * size),
          logLinesPerEvent: logMeter.lines / (costPosts * size),
          ...(size === 1 ? { endToEnd: await endToEnd(host.url) } : {}),
          non2xx: handlerRuns.reduce((sum, r) => sum + r.non2xx, 0),
          statuses,
          runs: {
            eventsPerSecond: handlerRuns.map((r) => r.eventsPerSecond),
            baselineEventsPerSecond: baselineRuns.map((r) => r.eventsPerSecond),
          },
        });
      }
      return rows;
    } finally {
      await host.stop();
      await baselineHost.stop();
    }
  } finally {
    sqsClient.destroy();
    await stack.stop();
    await sqs.stop();
  }
}

/** Webhook POST → the message readable through the app API, one at a time. */
async function endToEnd(url: string): Promise<{ p50Ms: number; p99Ms: number }> {
  const latencies: number[] = [];
  const claims = JSON.stringify({ sub: `bench-user-${IG_ACCOUNT}`, imo_id: "bench-org" });
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const delivery = signedDelivery(1);
    const entry = (
      JSON.parse(delivery.body) as {
        entry: { messaging: { sender: { id: string }; message: { mid: string } }[] }[];
      }
    ).entry[0]?.messaging[0];
    if (!entry) throw new Error("the delivery has no message");
    const conversation = encodeURIComponent(`${IG_ACCOUNT}_${entry.sender.id}`);
    const started = performance.now();
    const { status } = await post(url, delivery);
    if (status !== 200) throw new Error(`webhook answered ${status}`);
    for (;;) {
      const response = await fetch(`${url}/instagram/conversations/${conversation}/messages`, {
        headers: { "x-bench-claims": claims },
      });
      const page = (await response.json()) as { items?: { mid?: string }[] };
      if (page.items?.some((m) => m.mid === entry.message.mid)) break;
      if (performance.now() - started > 10_000) throw new Error("a stored message never became readable");
    }
    latencies.push(performance.now() - started);
  }
  return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

/** `tsx bench/inbound.ts` runs this part alone (one quick run). */
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rows = await inbound({ ...defaultInboundOptions, runs: 1, eventsPerRun: 200 });
  writeFileSync(1, `${JSON.stringify(rows, null, 2)}\n`);
}
