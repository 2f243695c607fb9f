import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { type BuildOptions, build } from "esbuild";
import { Env } from "../lambdas/contract/env";
import { HandlerNames, WorkerNames } from "../lambdas/contract/routes";
import { median, ratio } from "./support/stats";

const projectRoot = fileURLToPath(new URL("..", import.meta.url));

/**
 * The esbuild options of `lib/constructs/house-function.ts` (NodejsFunction passes them to the esbuild CLI as
 * --bundle --target --platform --format --minify --sourcemap --external --banner). Duplicated rather than
 * imported because the construct passes them inline; `assertSameBundlingAsStack` guards against drift.
 */
const BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";
const houseBundling: BuildOptions = {
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  minify: true,
  sourcemap: true,
  external: ["@aws-sdk/*"],
  banner: { js: BANNER },
  metafile: true,
  logLevel: "silent",
};

function assertSameBundlingAsStack(): void {
  const construct = readFileSync(join(projectRoot, "lib/constructs/house-function.ts"), "utf8");
  const expected = [
    "format: OutputFormat.ESM",
    "minify: true",
    'target: "node24"',
    'externalModules: ["@aws-sdk/*"]',
    `banner: "${BANNER}"`,
  ];
  const missing = expected.filter((fragment) => !construct.includes(fragment));
  if (missing.length > 0) {
    throw new Error(`house-function.ts bundling changed; update bench/cold-start.ts (${missing.join("; ")})`);
  }
}

/**
 * Dummy values for the variables the stack sets (others keep their defaults, as in a deployed function). Nothing is contacted at import time,
 * so these only need the right shape. LOCAL_SECRETS_FILE and endpoint overrides are left out: the bundles
 * take their production code paths (Secrets Manager client, regional endpoints).
 */
function handlerEnvironment(): Record<string, string> {
  const dummies: Partial<Record<string, string>> = {
    [Env.tableName]: "bench-table",
    [Env.outboundQueueUrl]: "https://sqs.us-east-1.amazonaws.com/000000000000/bench-outbound.fifo",
    [Env.outboundDlqUrl]: "https://sqs.us-east-1.amazonaws.com/000000000000/bench-outbound-dlq.fifo",
    [Env.appSecretId]: "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-app-secret",
    [Env.tokenKeySecretId]: "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-token-key",
    [Env.publicBaseUrl]: "https://api.example.test",
    [Env.returnToOrigins]: "https://app.example.test",
    [Env.sendCapPerHour]: "200",
    [Env.humanAgentEnabled]: "false",
    [Env.dataDeletionStatusUrl]: "https://api.example.test/instagram/data-deletion",
    // Events out: the bus and, for the webhook delivery, its endpoint, queue and signing secret.
    [Env.eventBusName]: "bench-events",
    [Env.appWebhookUrl]: "https://app.example.test/instagram-events",
    [Env.webhookQueueUrl]: "https://sqs.us-east-1.amazonaws.com/000000000000/bench-webhooks",
    [Env.profileQueueUrl]: "https://sqs.us-east-1.amazonaws.com/000000000000/bench-profiles",
    [Env.appWebhookSecretId]: "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-webhook-secret",
    [Env.logLevel]: "INFO",
  };
  const environment: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    AWS_REGION: "us-east-1",
    AWS_LAMBDA_FUNCTION_NAME: "bench",
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench",
    POWERTOOLS_METRICS_DISABLED: "true",
  };
  for (const [name, value] of Object.entries(dummies)) if (value !== undefined) environment[name] = value;
  return environment;
}

interface BuiltBundle {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** The external `@aws-sdk/*` modules the bundle imports. */
  readonly sdkImports: string[];
  /** Whether the bundle carries the Powertools Tracer (and with it the X-Ray SDK, which Lambda does not ship). */
  readonly tracer: boolean;
}

async function bundle(entry: string | { contents: string }, outDir: string): Promise<BuiltBundle> {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, "index.mjs");
  const result = await build({
    ...houseBundling,
    ...(typeof entry === "string"
      ? { entryPoints: [entry] }
      : { stdin: { contents: entry.contents, resolveDir: projectRoot, loader: "ts" } }),
    outfile,
  });
  const code = readFileSync(outfile);
  const output = Object.entries(result.metafile?.outputs ?? {}).find(([path]) => path.endsWith(".mjs"))?.[1];
  const sdkImports = [
    ...new Set(
      (output?.imports ?? [])
        .filter((i) => i.external && i.path.startsWith("@aws-sdk/"))
        .map((i) => i.path)
        .sort(),
    ),
  ];
  const tracer = Object.keys(result.metafile?.inputs ?? {}).some((path) =>
    path.includes("node_modules/@aws-lambda-powertools/tracer/"),
  );
  return { file: outfile, bytes: code.length, gzipBytes: gzipSync(code).length, sdkImports, tracer };
}

/** Imports a bundle in a fresh Node process and returns the milliseconds the import took (module init). */
function measureInit(file: string, environment: Record<string, string>): Promise<number> {
  const probe = [
    "const started = performance.now();",
    "await import(process.argv[1]);",
    "process.stdout.write(String(performance.now() - started));",
    "process.exit(0);",
  ].join("\n");
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--enable-source-maps", "--input-type=module", "-e", probe, pathToFileURL(file).href],
      { env: environment, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      const ms = Number(stdout);
      if (code === 0 && Number.isFinite(ms)) resolve(ms);
      else {
        const message = stderr.split("\n").find((line) => /Error/.test(line)) ?? stderr.slice(0, 200);
        reject(new Error(`import failed (exit ${code}): ${message.trim()}`));
      }
    });
  });
}

export interface ColdStartRow {
  readonly function: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly sdkImports: string[];
  readonly baselineBytes: number;
  readonly initMsMedian: number;
  readonly baselineInitMsMedian: number;
  /** Handler init over baseline init (1.0 = the function adds nothing over loading its SDK clients). */
  readonly initRatio: number;
  readonly samples: number;
  readonly initMs: number[];
  readonly baselineInitMs: number[];
  readonly error?: string;
}

/**
 * What a function must load whatever our code does: the `@aws-sdk/*` clients it uses and, when it traces, the
 * Powertools Tracer constructed once (it pulls in the X-Ray SDK). The ratio is our code's init over that.
 */
function baselineFor(handler: BuiltBundle): string {
  const sdk = handler.sdkImports.map((m) => `import ${JSON.stringify(m)};`);
  const tracer = handler.tracer
    ? ['import { Tracer } from "@aws-lambda-powertools/tracer";', "new Tracer();"]
    : [];
  return [...sdk, ...tracer].join("\n");
}

/**
 * Per function: bundle like the stack does, then alternate fresh-process imports of the bundle and of a
 * baseline bundle that loads only the same libraries (`baselineFor`), so drift on a shared machine hits both.
 */
export async function coldStart(options: {
  samples: number;
  only?: readonly string[];
}): Promise<ColdStartRow[]> {
  assertSameBundlingAsStack();
  const workDir = mkdtempSync(join(tmpdir(), "bench-cold-start-"));
  // The bundles keep @aws-sdk/* external, as on Lambda (which ships the SDK); resolve it from this project.
  symlinkSync(join(projectRoot, "node_modules"), join(workDir, "node_modules"), "dir");
  const environment = handlerEnvironment();
  const names = [...HandlerNames, ...WorkerNames].filter((n) => !options.only || options.only.includes(n));
  const rows: ColdStartRow[] = [];
  try {
    for (const name of names) {
      const handler = await bundle(join(projectRoot, "lambdas/handlers", `${name}.ts`), join(workDir, name));
      const baselineSource = baselineFor(handler);
      const baseline = await bundle(
        { contents: `${baselineSource}\nexport {};\n` },
        join(workDir, `${name}-baseline`),
      );
      const initMs: number[] = [];
      const baselineInitMs: number[] = [];
      let error: string | undefined;
      try {
        // One discarded pair warms the OS file cache so the first sample is not an outlier.
        await measureInit(handler.file, environment);
        await measureInit(baseline.file, environment);
        for (let i = 0; i < options.samples; i++) {
          initMs.push(await measureInit(handler.file, environment));
          baselineInitMs.push(await measureInit(baseline.file, environment));
        }
      } catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
      }
      const initMsMedian = median(initMs);
      const baselineInitMsMedian = median(baselineInitMs);
      rows.push({
        function: name,
        bytes: handler.bytes,
        gzipBytes: handler.gzipBytes,
        sdkImports: handler.sdkImports,
        baselineBytes: baseline.bytes,
        initMsMedian,
        baselineInitMsMedian,
        initRatio: ratio(initMsMedian, baselineInitMsMedian),
        samples: initMs.length,
        initMs,
        baselineInitMs,
        ...(error ? { error } : {}),
      });
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return rows;
}

/** `tsx bench/cold-start.ts [name...]` runs this part alone. */
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const only = process.argv.slice(2);
  const rows = await coldStart({ samples: 5, ...(only.length > 0 ? { only } : {}) });
  writeFileSync(1, `${JSON.stringify(rows, null, 2)}\n`);
}
