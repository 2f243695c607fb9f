import { join, resolve } from "node:path";
import { Routes } from "../../lambdas/contract/routes";
import { compileRoutes, lambdaContext } from "./api-gateway";
import type { DevAuth } from "./dev-auth";
import { devEventsRoutes } from "./dev-events-routes";
import { devRoutes } from "./dev-routes";
import type { LocalFunctions } from "./functions";
import { createLocalHttpServer, type HttpHandler, listen } from "./http-server";
import type { LocalEvents } from "./local-events";
import type { StopStack } from "./stop-stack";

const ROOT = resolve(import.meta.dirname, "../..");

export interface LocalHttpInput {
  readonly port: number;
  readonly host: string;
  readonly auth: DevAuth;
  readonly functions: LocalFunctions;
  readonly simulatorUrl: string | undefined;
  /** What `GET /dev/config` tells the console about this run. */
  readonly config: () => Record<string, unknown>;
  readonly onError: (message: string, error: unknown) => void;
  /** Events out: `GET /dev/events` (server-sent events) and `GET /dev/asyncapi.json`. */
  readonly events?: LocalEvents;
}

/** Serves every declared route with its function, beside the local-only routes (console, dev tokens). */
export async function serveLocalHttp(input: LocalHttpInput, stops: StopStack): Promise<void> {
  const server = createLocalHttpServer({
    routes: compileRoutes(Routes),
    localRoutes: [
      // Before devRoutes: its `/dev/*` catch-all serves console files.
      ...(input.events
        ? devEventsRoutes({
            auth: input.auth,
            events: input.events,
            asyncApiPath: join(ROOT, "docs", "asyncapi.json"),
          })
        : []),
      ...devRoutes({
        auth: input.auth,
        consoleDir: join(ROOT, "dev", "console"),
        openApiPath: join(ROOT, "docs", "openapi.json"),
        simulatorUrl: input.simulatorUrl,
        refreshTokens: input.functions.refreshTokens,
        config: input.config,
      }),
    ],
    auth: input.auth,
    loadHandler: (name) => input.functions.load<HttpHandler>(name),
    context: (name) => lambdaContext(name, 30_000),
    onError: input.onError,
  });
  await listen(server, input.port, input.host);
  stops.push(
    () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  );
}
