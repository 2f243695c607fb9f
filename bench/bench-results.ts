import type { ColdStartRow } from "./cold-start";
import type { EventsRow } from "./events";
import type { InboundRow } from "./inbound";
import type { OutboundRow } from "./outbound";
import type { ScaleRow } from "./scale";

/** What one bench run measured: written as JSON by run.ts, rendered by report.ts (apart so neither imports the other). */
export interface BenchResults {
  readonly startedAt: string;
  readonly machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; commit: string };
  readonly settings: { quick: boolean };
  readonly coldStart?: ColdStartRow[];
  readonly inbound?: InboundRow[];
  readonly outbound?: OutboundRow[];
  /** Webhook POST → event delivered (signed webhook received), local mode's pipeline. */
  readonly events?: EventsRow[];
  /** The sender at 10,000 accounts in virtual time (bench/scale.ts). */
  readonly scale?: ScaleRow;
  readonly skipped: Record<string, string>;
}
