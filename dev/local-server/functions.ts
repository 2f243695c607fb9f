import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Context, ScheduledEvent } from "aws-lambda";
import { type HandlerName, Routes, type WorkerName } from "../../lambdas/contract/routes";
import { LOCAL_REGION } from "../services/dynamodb-local";
import { lambdaContext } from "./api-gateway";

const HANDLERS_DIR = resolve(import.meta.dirname, "../../lambdas/handlers");

export type FunctionName = HandlerName | WorkerName;

/** The functions of the stack as local mode runs them: each module loaded once, like a warm container. */
export interface LocalFunctions {
  /** The function's handler; a module that failed to load is tried again next time. */
  load<T>(name: FunctionName): Promise<T>;
  /** Loads every function now; the ones that fail are listed (their routes answer 500 until fixed). */
  loadAll(): Promise<{ name: string; message: string }[]>;
  /** Runs the token-refresh function once, as its daily schedule would. */
  refreshTokens(): Promise<void>;
}

type HandlerModule = { handler: unknown };

function scheduledEvent(): ScheduledEvent {
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "000000000000",
    time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: LOCAL_REGION,
    resources: ["arn:aws:events:us-east-1:000000000000:rule/local-token-refresh"],
    detail: {},
  };
}

/** Must be created after the handler environment is set: modules read it when they load. */
export function localFunctions(): LocalFunctions {
  const modules = new Map<string, Promise<HandlerModule>>();
  const loadModule = (name: FunctionName): Promise<HandlerModule> => {
    let module = modules.get(name);
    if (!module) {
      module = import(pathToFileURL(join(HANDLERS_DIR, `${name}.ts`)).href) as Promise<HandlerModule>;
      modules.set(name, module);
      module.catch(() => modules.delete(name));
    }
    return module;
  };
  const load = async <T>(name: FunctionName): Promise<T> => {
    const { handler } = await loadModule(name);
    if (typeof handler !== "function")
      throw new Error(`lambdas/handlers/${name}.ts exports no handler function`);
    return handler as T;
  };
  const names: FunctionName[] = [
    ...new Set(Routes.map((route) => route.handler)),
    "sender",
    "token-refresh",
    "erasure",
    "history-import",
    "profile-fetch",
  ];
  return {
    load,
    loadAll: async () => {
      const results = await Promise.allSettled(names.map((name) => load<unknown>(name)));
      return results.flatMap((result, index) =>
        result.status === "rejected"
          ? [
              {
                name: names[index] ?? "?",
                message: result.reason instanceof Error ? result.reason.message : String(result.reason),
              },
            ]
          : [],
      );
    },
    refreshTokens: async () => {
      const refresh =
        await load<(event: ScheduledEvent, context: Context) => Promise<unknown>>("token-refresh");
      await refresh(scheduledEvent(), lambdaContext("token-refresh", 300_000));
    },
  };
}
