import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpEvent, HttpResult } from "../../lambdas/http/types";
import { httpEvent, lambdaContext } from "./http-event";

export type CallbackHandler = (
  event: HttpEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<HttpResult>;

export interface CallbackServer {
  readonly base: string;
  close(): Promise<void>;
}

/**
 * Serves handlers as the URLs Meta calls (webhook, deauthorize, data deletion): each POST to a route becomes the
 * API Gateway event its handler gets in AWS. The simulator is pointed at `base`.
 */
export async function serveCallbacks(routes: Record<string, CallbackHandler>): Promise<CallbackServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const route = req.url ?? "";
      const handler = routes[route];
      if (!handler) return void res.writeHead(404).end();
      const headers = Object.fromEntries(
        Object.entries(req.headers).flatMap(([name, value]) =>
          typeof value === "string" ? [[name, value]] : [],
        ),
      );
      const result = await handler(
        httpEvent({ method: "POST", route, headers, body: Buffer.concat(chunks).toString("utf8") }),
        lambdaContext(),
      );
      res.writeHead(result.statusCode, result.headers as Record<string, string>).end(result.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
