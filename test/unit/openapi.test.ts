import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { OPENAPI_PATH, openApiDocument, openApiText } from "../../dev/openapi/document";
import { RouteSchemas } from "../../lambdas/contract/api/index";
import { ErrorCatalog } from "../../lambdas/contract/errors";
import { HandlerNames, Routes } from "../../lambdas/contract/routes";

interface Operation {
  operationId: string;
  security: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required: boolean }>;
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}

const METHODS = ["get", "post", "delete", "put", "patch"] as const;
const document = openApiDocument() as { paths: Record<string, Partial<Record<string, Operation>>> };

function operations(): Array<{ method: string; path: string; op: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) =>
      item[method] ? [{ method: method.toUpperCase(), path, op: item[method] }] : [],
    ),
  );
}

describe("the OpenAPI document", () => {
  it("is committed exactly as generated from the route schemas (run `npm run openapi`)", () => {
    expect(readFileSync(OPENAPI_PATH, "utf8")).toBe(openApiText());
  });

  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(JSON.parse(readFileSync(OPENAPI_PATH, "utf8")));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("has exactly the routes of contract/routes.ts, one operation per route and handler", () => {
    const documented = operations().map(({ method, path, op }) => `${method} ${path} ${op.operationId}`);
    const declared = Routes.map((r) => `${r.method} ${r.path} ${r.handler}`);
    expect(documented.sort()).toEqual(declared.sort());
    expect(Object.keys(RouteSchemas).sort()).toEqual([...HandlerNames].sort());
  });

  it("requires the bearer JWT on exactly the app routes, and documents their 401", () => {
    for (const route of Routes) {
      const op = document.paths[route.path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      if (route.auth === "jwt") {
        expect(op?.security).toEqual([{ bearerJwt: [] }]);
        expect(op?.responses["401"]?.content?.["application/problem+json"]?.schema.$ref).toBe(
          "#/components/schemas/Problem",
        );
      } else {
        expect(op?.security).toEqual([]);
      }
    }
  });

  it("declares every path template parameter, and no other path parameter", () => {
    for (const { path, op } of operations()) {
      const template = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p) => p.in === "path");
      expect(declared.map((p) => p.name).sort(), path).toEqual(template.sort());
      expect(declared.every((p) => p.required)).toBe(true);
    }
  });

  it("answers every error with the one Problem schema", () => {
    for (const { path, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400 || !response.content?.["application/problem+json"]) continue;
        expect(response.content["application/problem+json"]?.schema.$ref, `${path} ${status}`).toBe(
          "#/components/schemas/Problem",
        );
      }
    }
  });

  it("docs/app-api.md lists every error code with its status", () => {
    const doc = readFileSync("docs/app-api.md", "utf8");
    for (const [code, { status }] of Object.entries(ErrorCatalog)) {
      const escaped = code.replace(/\./g, "\\.");
      expect(doc, code).toMatch(new RegExp(`\\| \`${escaped}\` +\\| ${status} +\\|`));
    }
  });
});
