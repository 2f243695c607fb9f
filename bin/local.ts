/**
 * `npm run dev`: the whole system on this machine (see docs/local-mode.md). Settings come from the
 * environment (PORT, DYNAMODB_PORT, SQS_PORT, META_SIM_PORT, META_MODE, PUBLIC_BASE_URL, ...) and `--persist`.
 */
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { banner } from "../dev/local-server/banner";
import { settingsFrom } from "../dev/local-server/settings";
import { startLocalMode } from "../dev/local-server/start";

const log = {
  info: (message: string) => console.log(message),
  error: (message: string, error?: unknown) =>
    console.error(
      error === undefined
        ? `[local] ${message}`
        : `[local] ${message}: ${error instanceof Error ? (error.stack ?? error.message) : inspect(error)}`,
    ),
};

/** The parent of a process, from /proc (Linux); undefined where there is no /proc. */
function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after its ")".
    const ppid = Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[1]);
    return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `npm run dev` killed with SIGTERM passes it to its `sh -c`, which dies without passing it on, leaving tsx,
 * this process and Java running. Under npm (npm_lifecycle_event is set) the chain is npm > sh > tsx > node,
 * so the shell above tsx going away is the sign: stop as if signalled.
 */
function whenOrphaned(stop: (reason: string) => void): void {
  if (!process.env.npm_lifecycle_event) return;
  const shell = parentOf(process.ppid);
  if (shell === undefined || shell <= 1) return;
  setInterval(() => {
    try {
      process.kill(shell, 0);
    } catch {
      stop("npm run dev was stopped");
    }
  }, 1_000).unref();
}

async function main(): Promise<void> {
  const settings = settingsFrom(process.argv.slice(2), process.env, process.cwd());
  const mode = await startLocalMode(settings, log);
  log.info(banner(mode));
  // Tests and scripts wait for this exact line.
  log.info(`Local mode ready: ${mode.url}`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`\n${signal}: stopping local mode...`);
    mode.stop().then(
      () => {
        log.info("Local mode stopped.");
        process.exit(0);
      },
      (error: unknown) => {
        log.error("stopping failed", error);
        process.exit(1);
      },
    );
  };
  // Last resort: never leave the Java process behind, even when this process dies of an error.
  process.on("exit", () => {
    try {
      process.kill(mode.dynamoDbPid, "SIGKILL");
    } catch {
      // already gone
    }
  });
  process.on("uncaughtException", (error) => {
    log.error("uncaught error", error);
    shutdown("error");
  });
  whenOrphaned(shutdown);
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(`\nLocal mode could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
