import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { BenchResults } from "./bench-results";
import { type CostRow, inboundCost, outboundCost } from "./cost";
import { Prices } from "./pricing";
import type { ScaleRow } from "./scale";
import { fmt } from "./support/stats";

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** A ratio for reading: `1.42×`, or `1/220` when the first is far below the second. */
function times(value: number): string {
  if (!Number.isFinite(value) || value <= 0) return "n/a";
  return value >= 0.1 ? `${fmt(value, 2)}×` : `1/${fmt(1 / value, 0)}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The markdown report printed by `npm run bench` and kept in bench/results/latest.md. */
export function markdownReport(results: BenchResults): string {
  const { machine } = results;
  const parts: string[] = [
    `# Benchmark results`,
    "",
    `${results.startedAt} · commit ${machine.commit} · ${machine.cpus} × ${machine.cpuModel} · ${machine.memoryGb} GiB · Node ${machine.node}${results.settings.quick ? " · quick run" : ""}`,
    "",
  ];
  if (results.coldStart) {
    parts.push(
      "## Cold start (module initialisation in a fresh Node process, median)",
      "",
      table(
        ["function", "bundle", "gzip", "init ms", "baseline ms", "ratio", "AWS SDK modules (baseline)"],
        results.coldStart.map((r) => [
          r.function,
          kb(r.bytes),
          kb(r.gzipBytes),
          fmt(r.initMsMedian),
          fmt(r.baselineInitMsMedian),
          times(r.initRatio),
          r.error ? `error: ${r.error.slice(0, 80)}` : r.sdkImports.join(", ") || "none",
        ]),
      ),
      "",
    );
  }
  if (results.inbound) {
    parts.push(
      "## Inbound webhook (signed POSTs through the local HTTP path; baseline = verify signature, answer 200)",
      "",
      table(
        [
          "events/POST",
          "events/s",
          "baseline events/s",
          "ratio",
          "ack p50 ms",
          "ack p99 ms",
          "baseline p50/p99 ms",
          "DDB requests/event",
          "items written/event",
          "WCU/event est. (reported)",
          "sequential DDB round trips/POST",
          "non-2xx",
        ],
        results.inbound.map((r) => [
          String(r.batchSize),
          fmt(r.eventsPerSecond, 0),
          fmt(r.baselineEventsPerSecond, 0),
          times(r.throughputRatio),
          fmt(r.p50Ms),
          fmt(r.p99Ms),
          `${fmt(r.baselineP50Ms)} / ${fmt(r.baselineP99Ms)}`,
          fmt(r.dynamo.requestsPerEvent, 2),
          fmt(r.dynamo.writeItemsPerEvent, 2),
          `${fmt(r.dynamo.writeUnitsPerEvent, 2)} (${fmt(r.dynamo.reportedWriteUnitsPerEvent, 2)})`,
          fmt(r.dynamo.sequentialRoundTripsPerPost, 0),
          String(r.non2xx),
        ]),
      ),
      "",
    );
  }
  if (results.outbound) {
    parts.push(
      "## Outbound sender (against the Meta simulator, cap not binding; per sent message)",
      "",
      table(
        [
          "messages/run",
          "sends/s",
          "sender DDB requests",
          "sender items written",
          "sender WCU est. (reported)",
          "sender SQS requests",
          "accept DDB requests / items / WCU / SQS",
          "sender operations",
        ],
        results.outbound.map((r) => [
          String(r.messages),
          fmt(r.sendsPerSecond, 0),
          fmt(r.dynamoRequestsPerMessage, 2),
          fmt(r.dynamoWriteItemsPerMessage, 2),
          `${fmt(r.dynamoWriteUnitsPerMessage, 2)} (${fmt(r.dynamoReportedWriteUnitsPerMessage, 2)})`,
          fmt(r.sqsRequestsPerMessage, 2),
          [
            r.accept.dynamoRequestsPerMessage,
            r.accept.dynamoWriteItemsPerMessage,
            r.accept.dynamoWriteUnitsPerMessage,
            r.accept.sqsRequestsPerMessage,
          ]
            .map((n) => fmt(n, 2))
            .join(" / "),
          Object.entries(r.byOperationPerMessage)
            .map(([op, n]) => `${op} ${fmt(n, 2)}`)
            .join(", "),
        ]),
      ),
      "",
    );
  }
  const costs: CostRow[] = [
    ...(results.inbound ?? []).filter((r) => r.handlerMs !== undefined).map(inboundCost),
    ...(results.outbound ?? []).filter((r) => r.senderMs !== undefined).map(outboundCost),
  ];
  if (costs.length > 0) parts.push(...costSection(results, costs));
  const inboundE2e = results.inbound?.find((r) => r.endToEnd)?.endToEnd;
  const outboundE2e = results.outbound?.find((r) => r.acceptToMeta)?.acceptToMeta;
  if (inboundE2e || outboundE2e) {
    parts.push(
      "## End to end (one at a time, nothing else running)",
      "",
      table(
        ["path", "p50 ms", "p99 ms"],
        [
          ...(inboundE2e
            ? [
                [
                  "webhook POST → message readable in the app API",
                  fmt(inboundE2e.p50Ms),
                  fmt(inboundE2e.p99Ms),
                ],
              ]
            : []),
          ...(outboundE2e
            ? [["POST /instagram/messages → Meta called", fmt(outboundE2e.p50Ms), fmt(outboundE2e.p99Ms)]]
            : []),
        ],
      ),
      "",
    );
  }
  if (results.events) {
    parts.push(
      "## Events out (webhook POST → signed event webhook received; local mode's stream poller and bus)",
      "",
      table(
        ["DMs timed", "delivered", "poll interval ms", "p50 ms", "p99 ms", "max ms"],
        results.events.map((r) => [
          String(r.messages),
          String(r.delivered),
          String(r.pollIntervalMs),
          fmt(r.p50Ms),
          fmt(r.p99Ms),
          fmt(r.maxMs),
        ]),
      ),
      "",
    );
  }
  if (results.scale) parts.push(...scaleSection(results.scale));
  const skipped = Object.entries(results.skipped);
  if (skipped.length > 0) {
    parts.push("## Skipped", "", ...skipped.map(([part, reason]) => `- ${part}: ${reason}`), "");
  }
  return `${parts.join("\n")}\n`;
}

function percent(value: number): string {
  return `${fmt(value * 100, 2)} %`;
}

/** The scale model (bench/scale.ts): the sender keeping `accounts` backlogged accounts at the cap. */
function scaleSection(row: ScaleRow): string[] {
  const o = row.options;
  const ms = (s: { p50: number; p99: number; max?: number }) =>
    `${fmt(s.p50, 0)} / ${fmt(s.p99, 0)}${s.max === undefined ? "" : ` / ${fmt(s.max, 0)}`}`;
  return [
    `## Scale model (virtual time, the real sender code; ${o.accounts.toLocaleString("en-US")} backlogged accounts at ${o.cap}/hour, ${o.virtualMinutes} virtual minutes)`,
    "",
    `Batch size ${o.batchSize}, at most ${o.maxConcurrency} concurrent invocations; Meta latency log-normal, p50 ${o.metaP50Ms} ms, p99 ${o.metaP99Ms} ms (measured ${fmt(row.metaMs.p50, 0)} / ${fmt(row.metaMs.p99, 0)}); DynamoDB ${o.dynamoMs} ms a call, SQS ${o.sqsMs} ms, Lambda ${o.invokeOverheadMs} ms an invocation; 1–${o.maxConversations} conversations per account. Ran in ${fmt(row.realSeconds, 0)} s.`,
    "",
    table(
      ["measure", "value"],
      [
        ["sends/s (what the cap allows)", `${fmt(row.sendsPerSecond, 1)} (${fmt(row.capSendsPerSecond, 1)})`],
        [
          "cap utilisation per account: min / p1 / median (limiter ceiling)",
          `${percent(row.utilisation.min)} / ${percent(row.utilisation.p1)} / ${percent(row.utilisation.median)} (${percent(row.limiterCeiling)})`,
        ],
        ["accounts below 99 %", String(row.accountsBelow99)],
        [
          "rolling-hour violations (accounts; most sends in any hour)",
          `${row.capViolations} (${row.maxSendsInAnyHour})`,
        ],
        ["queue age p50 / p99 / max ms (after the first minute)", ms(row.queueAgeMs)],
        ["queue age p50 / p99 / max ms (whole run, the start's rush)", ms(row.queueAgeWithRushMs)],
        ["send after its slot p50 / p99 / max ms (grace 30 s)", ms(row.slotLatenessMs)],
        [
          "Lambda invocations/s; records per invocation",
          `${fmt(row.invocationsPerSecond, 0)}; ${fmt(row.recordsPerInvocation, 1)}`,
        ],
        ["invocation p50 / p99 ms", ms(row.invocationMs)],
        [
          "concurrency mean / peak (of max)",
          `${fmt(row.concurrency.mean, 0)} / ${row.concurrency.peak} (${o.maxConcurrency})`,
        ],
        [
          "app-wide limiter reads/s mean / peak second",
          `${fmt(row.appWideReadsPerSecond.mean, 0)} / ${row.appWideReadsPerSecond.peak}`,
        ],
        [
          "SQS per sent message: receive / visibility batch / delete",
          `${fmt(row.sqsPerSend.receives, 2)} / ${fmt(row.sqsPerSend.changeVisibility, 2)} / ${fmt(row.sqsPerSend.deletes, 2)}`,
        ],
        [
          "records handled",
          Object.entries(row.recordResults)
            .map(([result, n]) => `${result} ${n}`)
            .join(", "),
        ],
      ],
    ),
    "",
  ];
}

function usd(value: number): string {
  return value >= 1 ? `$${fmt(value, 2)}` : `$${value.toFixed(3)}`;
}

/** Dollars per million DMs, item by item, against the floor (bench/cost.ts), and the prices used. */
function costSection(results: BenchResults, costs: readonly CostRow[]): string[] {
  const items = costs[0]?.actual.lines.map((l) => l.item) ?? [];
  const logs = [
    ...(results.inbound ?? []).map((r) => [
      `inbound, ${r.batchSize} per POST`,
      r.logBytesPerEvent,
      r.logLinesPerEvent,
    ]),
    ...(results.outbound ?? []).map((r) => [
      "sent: accept / sender",
      `${fmt(r.accept.logBytesPerMessage, 0)} / ${fmt(r.senderLogBytesPerMessage, 0)}`,
      undefined,
    ]),
  ];
  return [
    "## Cost (US$ per million DMs, us-east-1 on-demand list prices; floor = the least any implementation pays)",
    "",
    table(
      ["DM", ...items, "total", "floor", "× floor"],
      costs.map((c) => [
        c.what,
        ...c.actual.lines.map((l) => usd(l.usdPerMillion)),
        `**${usd(c.actual.usdPerMillion)}**`,
        usd(c.floor.usdPerMillion),
        `${fmt(c.actual.usdPerMillion / c.floor.usdPerMillion, 2)}×`,
      ]),
    ),
    "",
    table(
      ["log bytes written per DM at INFO (metrics as EMF)", "bytes", "lines"],
      logs.map(([what, bytes, lines]) => [
        String(what),
        typeof bytes === "number" ? fmt(bytes, 0) : String(bytes),
        typeof lines === "number" ? fmt(lines, 2) : "",
      ]),
    ),
    "",
    table(
      ["unit price", "US$", "per", "source", "as of"],
      Object.values(Prices).map((p) => [p.unit, String(p.usd), String(p.per), p.source, p.asOf]),
    ),
    "",
  ];
}

/** `tsx bench/report.ts bench/results/<timestamp>.json` renders a saved run again (and updates latest.md). */
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href && process.argv[2]) {
  const markdown = markdownReport(JSON.parse(readFileSync(process.argv[2], "utf8")) as BenchResults);
  writeFileSync(new URL("./results/latest.md", import.meta.url), markdown);
  process.stdout.write(markdown);
}
