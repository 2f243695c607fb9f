import { appendFileSync } from "node:fs";

/**
 * Counts the bytes handlers write to stdout and stderr (Powertools log lines and EMF metrics, which is what
 * CloudWatch Logs would ingest) and keeps them off the terminal. Only JSON lines are taken: the bench's own
 * progress messages pass through untouched.
 */
export class LogMeter {
  bytes = 0;
  lines = 0;
  counting = false;
  private restore: (() => void) | undefined;

  install(): this {
    if (this.restore) return this;
    const streams = [process.stdout, process.stderr];
    const originals = streams.map((stream) => stream.write.bind(stream));
    streams.forEach((stream, i) => {
      const original = originals[i] as typeof stream.write;
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
        if (!text.startsWith("{")) return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
        if (this.counting) {
          // BENCH_LOG_SAMPLE=<file>: the counted lines themselves, to see what the bytes are.
          if (process.env.BENCH_LOG_SAMPLE) appendFileSync(process.env.BENCH_LOG_SAMPLE, text);
          this.bytes += Buffer.byteLength(text, "utf8");
          this.lines += text.split("\n").filter((l) => l.length > 0).length;
        }
        const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
        callback?.();
        return true;
      }) as typeof stream.write;
    });
    this.restore = () => {
      streams.forEach((stream, i) => {
        stream.write = originals[i] as typeof stream.write;
      });
    };
    return this;
  }

  reset(): void {
    this.bytes = 0;
    this.lines = 0;
  }

  uninstall(): void {
    this.restore?.();
    this.restore = undefined;
  }
}

/** The one meter of a bench process (handlers write to the process's streams, so there can only be one). */
export const logMeter = new LogMeter();
