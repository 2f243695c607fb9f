import { existsSync, readFileSync } from "node:fs";
import { Defaults, Env } from "../../lambdas/contract/env";
import type { AppEvent } from "../../lambdas/contract/events";
import type { DevAuth } from "./dev-auth";
import { gatewayProblem, type LocalRoute } from "./http-server";
import type { LocalEvents } from "./local-events";

/** Keeps idle connections (and proxies) from timing the stream out. */
const KEEPALIVE_MS = 15_000;

export interface DevEventsRoutesOptions {
  readonly auth: DevAuth;
  readonly events: LocalEvents;
  readonly asyncApiPath: string;
}

/**
 * `GET /dev/events`: the events of one organisation as server-sent events (the console's live view), the recent
 * ones first. EventSource cannot send headers, so the dev token comes as `?token=`; its organisation is the
 * only one streamed (plus `data_deletion.completed`, which spans every organisation). `GET /dev/asyncapi.json`:
 * the events' machine-readable contract.
 */
export function devEventsRoutes(options: DevEventsRoutesOptions): LocalRoute[] {
  const orgClaim = process.env[Env.jwtOrgIdClaim] || Defaults.jwtOrgIdClaim;
  return [
    {
      method: "GET",
      path: "/dev/events",
      handle: async (request) => {
        const token = new URL(request.url, "http://localhost").searchParams.get("token") ?? "";
        const verdict = await options.auth.authorize(`Bearer ${token}`);
        const imoId = "claims" in verdict ? verdict.claims[orgClaim] : undefined;
        if (imoId === undefined) {
          return gatewayProblem(
            401,
            "auth.unauthorized",
            "A valid dev token is required",
            "Pass ?token=<dev token>.",
          );
        }
        const mine = (event: AppEvent) => event.imoId === imoId || event.imoId === "*";
        return {
          status: 200,
          headers: {
            "content-type": "text/event-stream",
            "cache-control": "no-store",
            connection: "keep-alive",
          },
          stream: (response) => {
            const send = (event: AppEvent) => {
              if (mine(event))
                response.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
            };
            response.write(": events of this organisation follow\n\n");
            for (const event of options.events.recent()) send(event);
            const unsubscribe = options.events.subscribe(send);
            const keepalive = setInterval(() => response.write(": keepalive\n\n"), KEEPALIVE_MS);
            response.on("close", () => {
              unsubscribe();
              clearInterval(keepalive);
            });
          },
        };
      },
    },
    {
      method: "GET",
      path: "/dev/asyncapi.json",
      handle: async () =>
        existsSync(options.asyncApiPath)
          ? {
              status: 200,
              headers: { "content-type": "application/json", "cache-control": "no-store" },
              body: readFileSync(options.asyncApiPath),
            }
          : gatewayProblem(404, "resource.not_found", "Not found", "Run `npm run asyncapi` to generate it."),
    },
  ];
}
