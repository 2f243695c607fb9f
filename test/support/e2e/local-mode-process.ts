import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../../../dev/services/free-port";

const ROOT = resolve(import.meta.dirname, "../../..");

/** Local mode started as a user starts it (`npm run dev`), in its own process group like a terminal job. */
export interface LocalModeProcess {
  readonly url: string;
  readonly dynamoDbPort: number;
  readonly stateDir: string;
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  /** Ctrl-C: SIGINT to the process group; resolves with npm's exit once every process of the job has ended. */
  interrupt(): Promise<Exit>;
  /** SIGTERM to npm alone, as a process manager or IDE stops a job; resolves once every process has ended. */
  terminateNpm(): Promise<Exit>;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Resolves when npm has exited AND its output pipes closed, i.e. every process of the job has ended. */
function closed(child: ChildProcess): Promise<Exit> {
  return new Promise((done) => {
    if (
      child.stdout?.closed &&
      child.stderr?.closed &&
      (child.exitCode !== null || child.signalCode !== null)
    ) {
      done({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once("close", (code, signal) => done({ code, signal }));
  });
}

/** Env of the child: the caller's, minus anything that would point local mode at real Meta. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of [
    "META_MODE",
    "INSTAGRAM_OAUTH_URL",
    "INSTAGRAM_API_URL",
    "INSTAGRAM_GRAPH_URL",
    "PUBLIC_BASE_URL",
  ]) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

/** Runs `npm run dev` with free ports and a fresh state folder; resolves once it prints its ready line. */
export async function startLocalModeProcess(
  options: { env?: Record<string, string>; args?: string[]; stateDir?: string; timeoutMs?: number } = {},
): Promise<LocalModeProcess> {
  const port = await freePort();
  const dynamoDbPort = await freePort();
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "ig-local-"));
  const ownsStateDir = options.stateDir === undefined;
  const child = spawn("npm", ["run", "--silent", "dev", "--", ...(options.args ?? [])], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: childEnv({
      PORT: String(port),
      DYNAMODB_PORT: String(dynamoDbPort),
      LOCAL_STATE_DIR: stateDir,
      SENDER_WAIT_SECONDS: "1",
      ...options.env,
    }),
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  // A state folder made here (secrets, dev key) goes away with the processes; a caller's stays.
  const whenClosed = closed(child).then((exit) => {
    if (ownsStateDir) rmSync(stateDir, { recursive: true, force: true });
    return exit;
  });
  const interrupt = async (): Promise<Exit> => {
    const pid = child.pid;
    if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-pid, "SIGINT");
      } catch {
        // the group is already gone
      }
    }
    return whenClosed;
  };
  const ready = await new Promise<string | Error>((done) => {
    const timer = setTimeout(
      () => done(new Error(`local mode did not get ready in time:\n${output}`)),
      options.timeoutMs ?? 90_000,
    );
    const onData = () => {
      const match = /Local mode ready: (\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        done(match[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      done(new Error(`local mode exited with ${code} before it was ready:\n${output}`));
    });
  });
  if (ready instanceof Error) {
    await interrupt();
    throw ready;
  }
  const terminateNpm = async (): Promise<Exit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    return whenClosed;
  };
  return { url: ready, dynamoDbPort, stateDir, output: () => output, interrupt, terminateNpm };
}

/** PIDs of DynamoDB Local processes listening on `port` (pgrep -f DynamoDBLocal, narrowed to this port). */
export function dynamoDbLocalPids(port: number): string[] {
  try {
    return execFileSync("pgrep", ["-f", `DynamoDBLocal.*-port ${port}( |$)`], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.trim() !== "");
  } catch {
    return [];
  }
}
