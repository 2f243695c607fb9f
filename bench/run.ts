import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResults } from "./bench-results";
import { coldStart } from "./cold-start";
import { defaultEventsOptions, eventsLatency } from "./events";
import { defaultInboundOptions, inbound } from "./inbound";
import { defaultOutboundOptions, outbound } from "./outbound";
import { markdownReport } from "./report";
import { defaultScaleOptions, scale } from "./scale";

/**
 * `npm run bench [-- --only cold-start,inbound,outbound,events,scale] [--quick]`: runs the benchmarks, prints a markdown
 * table, writes the raw figures to bench/results/<timestamp>.json and the table to bench/results/latest.md.
 * Nothing here fails on timing: a part that cannot run (e.g. not built yet) is reported as skipped.
 */
const Parts = ["cold-start", "inbound", "outbound", "events", "scale"] as const;
type Part = (typeof Parts)[number];

function argValue(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

const only = (argValue("--only")?.split(",") ?? [...Parts]) as Part[];
const quick = process.argv.includes("--quick");
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

async function attempt<T>(
  part: Part,
  skipped: Record<string, string>,
  run: () => Promise<T>,
): Promise<T | undefined> {
  if (!only.includes(part)) return undefined;
  process.stderr.write(`bench: ${part}…\n`);
  try {
    return await run();
  } catch (error) {
    skipped[part] = error instanceof Error ? error.message : String(error);
    process.stderr.write(`bench: ${part} skipped: ${skipped[part]}\n`);
    return undefined;
  }
}

const startedAt = new Date().toISOString();
const skipped: Record<string, string> = {};
const coldStartRows = await attempt("cold-start", skipped, () => coldStart({ samples: quick ? 3 : 9 }));
const inboundRows = await attempt("inbound", skipped, () =>
  inbound(
    quick ? { ...defaultInboundOptions, runs: 1, eventsPerRun: 300, minPosts: 3 } : defaultInboundOptions,
  ),
);
const outboundRows = await attempt("outbound", skipped, () =>
  outbound(quick ? { ...defaultOutboundOptions, runs: 1 } : defaultOutboundOptions),
);
const eventsRows = await attempt("events", skipped, () =>
  eventsLatency(quick ? { ...defaultEventsOptions, messages: 21 } : defaultEventsOptions),
);

// The scale model runs in virtual time, no servers: about 10 s of CPU in --quick (a tenth of the accounts, three
// virtual minutes), two to four minutes for the full 10,000 accounts.
const scaleRow = await attempt("scale", skipped, () =>
  scale(
    quick
      ? { ...defaultScaleOptions, accounts: defaultScaleOptions.accounts / 10, virtualMinutes: 3 }
      : defaultScaleOptions,
  ),
);

const results: BenchResults = {
  startedAt,
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    commit: commit(),
  },
  settings: { quick },
  ...(coldStartRows ? { coldStart: coldStartRows } : {}),
  ...(inboundRows ? { inbound: inboundRows } : {}),
  ...(outboundRows ? { outbound: outboundRows } : {}),
  ...(eventsRows ? { events: eventsRows } : {}),
  ...(scaleRow ? { scale: scaleRow } : {}),
  skipped,
};

const table = markdownReport(results);
mkdirSync(resultsDir, { recursive: true });
const jsonFile = join(resultsDir, `${startedAt.replace(/[:.]/g, "-")}.json`);
writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(resultsDir, "latest.md"), table);
process.stdout.write(`${table}\nRaw figures: ${jsonFile}\n`);
// Handler modules may keep SDK sockets open; the benchmark is done.
process.exit(0);
