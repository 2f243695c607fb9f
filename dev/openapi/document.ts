import * as z from "zod";
import { type ResponseSpec, RouteSchemas } from "../../lambdas/contract/api/index";
import { type RouteDeclaration, Routes } from "../../lambdas/contract/routes";

/**
 * The OpenAPI 3.1 document of every route in contract/routes.ts, generated from the same zod schemas the
 * handlers validate with (contract/api). `npm run openapi` writes it to docs/openapi.json; a unit test fails
 * when the committed file and this generator disagree.
 */
export const OPENAPI_PATH = "docs/openapi.json";

type Json = Record<string, unknown>;

const COMPONENT_PREFIX = "#/components/schemas/";

function idOf(schema: z.ZodType): string | undefined {
  const meta = z.globalRegistry.get(schema);
  return typeof meta?.id === "string" ? meta.id : undefined;
}

function clean(schema: Json): Json {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/** A schema for use inside the document: a $ref when the schema is a named component, else inline. */
function schemaOf(schema: z.ZodType, io: "input" | "output"): Json {
  const id = idOf(schema);
  if (id !== undefined) return { $ref: `${COMPONENT_PREFIX}${id}` };
  return inline(schema, io);
}

/** An unnamed schema, inline. Named schemas nested in it would become `$defs` the document cannot resolve. */
function inline(schema: z.ZodType, io: "input" | "output"): Json {
  const json = clean(z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Json);
  if ("$defs" in json)
    throw new Error("Name a schema with .meta({ id }) only at the top of a request or response");
  return json;
}

/** Named components, each in the direction it is used (request bodies as input, responses as output). */
function components(requestIds: ReadonlySet<string>): Json {
  const convert = (io: "input" | "output") =>
    z.toJSONSchema(z.globalRegistry, {
      target: "draft-2020-12",
      io,
      unrepresentable: "any",
      uri: (ref) => `${COMPONENT_PREFIX}${ref}`,
    }).schemas as Record<string, Json>;
  const inputs = convert("input");
  const outputs = convert("output");
  const names = Object.keys(outputs).sort();
  return Object.fromEntries(
    names.map((name) => [name, clean((requestIds.has(name) ? inputs[name] : outputs[name]) ?? {})]),
  );
}

function parameters(schema: z.ZodObject | undefined, location: "query" | "path" | "header"): Json[] {
  if (schema === undefined) return [];
  const json = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
  }) as Json;
  const properties = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === "path" || required.has(name),
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}

function response(status: number, spec: ResponseSpec): Json {
  const contentType =
    spec.contentType ??
    (status >= 400 && spec.schema !== undefined ? "application/problem+json" : "application/json");
  const content =
    spec.schema !== undefined
      ? { [contentType]: { schema: schemaOf(spec.schema, "output") } }
      : spec.contentType !== undefined
        ? { [spec.contentType]: { schema: { type: "string" } } }
        : undefined;
  const headers =
    spec.headers === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(spec.headers).map(([name, description]) => [
            name,
            { description, schema: { type: "string" } },
          ]),
        );
  return { description: spec.description, ...(headers ? { headers } : {}), ...(content ? { content } : {}) };
}

function operation(route: RouteDeclaration): Json {
  const spec = RouteSchemas[route.handler];
  const responses = Object.fromEntries(
    Object.entries(spec.responses).map(([status, r]) => [status, response(Number(status), r)]),
  );
  const params = [
    ...parameters(spec.path, "path"),
    ...parameters(spec.query, "query"),
    ...parameters(spec.headers, "header"),
  ];
  return {
    operationId: route.handler,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [route.auth === "jwt" ? "app" : "meta"],
    security: route.auth === "jwt" ? [{ bearerJwt: [] }] : [],
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(spec.body
      ? {
          requestBody: {
            required: true,
            content: { [spec.body.contentType]: { schema: schemaOf(spec.body.schema, "input") } },
          },
        }
      : {}),
    responses,
  };
}

export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const route of Routes) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  }
  const requestIds = new Set(
    Object.values(RouteSchemas)
      .map((spec) => (spec.body ? idOf(spec.body.schema) : undefined))
      .filter((id): id is string => id !== undefined),
  );
  return {
    openapi: "3.1.0",
    info: {
      title: "Instagram DM backend",
      version: "1",
      description:
        "App routes need a bearer JWT from the app's identity provider; Meta's callbacks authenticate themselves (signatures, state). Every error is RFC 9457 problem+json with a stable `code` (docs/app-api.md).",
    },
    tags: [
      { name: "app", description: "Called by the app with a bearer JWT" },
      { name: "meta", description: "Called by Meta or a browser; public" },
    ],
    paths,
    components: {
      securitySchemes: { bearerJwt: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: components(requestIds),
    },
  };
}

/** The document as committed: stable key order from the declarations, two-space indent, trailing newline. */
export function openApiText(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}
