import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import * as z from "zod";
import type { IncomingRequest } from "./api-gateway";
import { bundleConsoleScript } from "./console-bundle";
import type { DevAuth } from "./dev-auth";
import { gatewayProblem, type LocalAnswer, type LocalRoute } from "./http-server";

const NO_STORE = { "cache-control": "no-store" };

function jsonAnswer(status: number, body: unknown): LocalAnswer {
  return { status, headers: { "content-type": "application/json", ...NO_STORE }, body: JSON.stringify(body) };
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** The console's entry script: served bundled with the client it imports, not as the file on disk. */
const CONSOLE_SCRIPT = "console.js";

/** Serves the dev console's files: `/` is its page, `/dev/<file>` its scripts and styles (no other paths). */
function consoleRoutes(consoleDir: string): LocalRoute[] {
  const file = async (name: string): Promise<LocalAnswer> => {
    // Only names that exist in the folder are served, so no path can reach outside it.
    if (!readdirSync(consoleDir).includes(name)) {
      return gatewayProblem(404, "resource.not_found", "Not found", `No console file ${name}.`);
    }
    if (name === CONSOLE_SCRIPT) {
      return {
        status: 200,
        headers: { "content-type": CONTENT_TYPES[".js"] ?? "text/javascript", ...NO_STORE },
        body: await bundleConsoleScript(join(consoleDir, name)),
      };
    }
    return {
      status: 200,
      headers: { "content-type": CONTENT_TYPES[extname(name)] ?? "application/octet-stream", ...NO_STORE },
      body: readFileSync(join(consoleDir, name)),
    };
  };
  return [
    { method: "GET", path: "/", handle: () => file("index.html") },
    { method: "GET", path: "/dev/*", handle: (_request, path) => file(path.slice("/dev/".length)) },
  ];
}

const DevTokenRequest = z.object({
  userId: z.string().trim().min(1).max(128),
  imoId: z.string().trim().min(1).max(128),
});

function parseJson(request: IncomingRequest): unknown {
  try {
    return JSON.parse(request.body.toString("utf8") || "{}");
  } catch {
    return undefined;
  }
}

export interface DevRoutesOptions {
  readonly auth: DevAuth;
  readonly consoleDir: string;
  readonly openApiPath: string;
  /** What the console needs to know about this run (Meta mode, simulator URL, claim names). */
  readonly config: () => Record<string, unknown>;
  /** Runs the token-refresh function once, as its schedule would. */
  readonly refreshTokens: () => Promise<void>;
  /** The simulator's base URL, when it runs; its admin API is reachable through `/dev/simulator/*`. */
  readonly simulatorUrl: string | undefined;
}

/** Routes that exist only in local mode: the console, dev tokens, the JWKS, on-demand refresh, simulator controls. */
export function devRoutes(options: DevRoutesOptions): LocalRoute[] {
  const proxyToSimulator = async (request: IncomingRequest, path: string): Promise<LocalAnswer> => {
    if (!options.simulatorUrl) {
      return gatewayProblem(
        404,
        "resource.not_found",
        "Not found",
        "The Meta simulator is off (real Meta mode).",
      );
    }
    const target = `${options.simulatorUrl}/_sim/${path.slice("/dev/simulator/".length)}`;
    const contentType = request.headers["content-type"];
    const answer = await fetch(target, {
      method: request.method,
      headers: contentType ? { "content-type": contentType } : {},
      ...(request.method === "GET" || request.body.length === 0 ? {} : { body: request.body }),
    });
    return {
      status: answer.status,
      headers: { "content-type": answer.headers.get("content-type") ?? "application/json", ...NO_STORE },
      body: Buffer.from(await answer.arrayBuffer()),
    };
  };
  // The console's `/dev/*` catch-all comes last: the first matching route answers.
  return [
    {
      method: "POST",
      path: "/dev/token",
      handle: async (request) => {
        const parsed = DevTokenRequest.safeParse(parseJson(request));
        if (!parsed.success) {
          return gatewayProblem(400, "request.invalid", "The request is invalid", "Send { userId, imoId }.");
        }
        return jsonAnswer(200, await options.auth.issue(parsed.data));
      },
    },
    {
      method: "GET",
      path: "/dev/.well-known/jwks.json",
      handle: async () => jsonAnswer(200, options.auth.jwks),
    },
    { method: "GET", path: "/dev/config", handle: async () => jsonAnswer(200, options.config()) },
    {
      method: "POST",
      path: "/dev/token-refresh",
      handle: async () => {
        const started = Date.now();
        await options.refreshTokens();
        return jsonAnswer(200, { refreshed: true, durationMs: Date.now() - started });
      },
    },
    {
      method: "GET",
      path: "/openapi.json",
      handle: async () =>
        existsSync(options.openApiPath)
          ? {
              status: 200,
              headers: { "content-type": "application/json", ...NO_STORE },
              body: readFileSync(options.openApiPath),
            }
          : gatewayProblem(
              404,
              "resource.not_found",
              "Not found",
              "docs/openapi.json has not been generated yet.",
            ),
    },
    { method: "GET", path: "/dev/simulator/*", handle: proxyToSimulator },
    { method: "POST", path: "/dev/simulator/*", handle: proxyToSimulator },
    { method: "DELETE", path: "/dev/simulator/*", handle: proxyToSimulator },
    ...consoleRoutes(options.consoleDir),
  ];
}
