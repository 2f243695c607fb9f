import * as z from "zod";
import { AppEvent, EVENT_SCHEMA_VERSION, EVENT_SOURCE } from "../../lambdas/contract/events";

/**
 * The AsyncAPI 3.0 document of events out (docs/events.md), generated from the zod schemas of
 * lambdas/contract/events.ts. `npm run asyncapi` writes it to docs/asyncapi.json; a unit test fails when the
 * committed file and this generator disagree. Two channels carry the same messages: the EventBridge bus and the
 * outgoing webhook (Standard Webhooks headers).
 */
export const ASYNCAPI_PATH = "docs/asyncapi.json";

type Json = Record<string, unknown>;
const PREFIX = "#/components/schemas/";

/** Every named schema reachable from the events, converted with refs into components. */
function schemas(): Record<string, Json> {
  const all = z.toJSONSchema(z.globalRegistry, {
    target: "draft-7",
    io: "output",
    unrepresentable: "any",
    uri: (id) => `${PREFIX}${id}`,
  }).schemas as Record<string, Json>;
  const clean = (schema: Json): Json => {
    const { $schema: _schema, $id: _id, ...rest } = schema;
    return rest;
  };
  const keep = new Set<string>();
  const visit = (name: string) => {
    if (keep.has(name) || !all[name]) return;
    keep.add(name);
    for (const match of JSON.stringify(all[name]).matchAll(/#\/components\/schemas\/([A-Za-z0-9_]+)/g)) {
      if (match[1]) visit(match[1]);
    }
  };
  for (const option of AppEvent.options) visit(idOf(option));
  return Object.fromEntries([...keep].sort().map((name) => [name, clean(all[name] ?? {})]));
}

function idOf(schema: z.ZodType): string {
  const id = z.globalRegistry.get(schema)?.id;
  if (typeof id !== "string") throw new Error("Every event schema is named with .meta({ id })");
  return id;
}

export function asyncApiDocument(): Json {
  const messages = Object.fromEntries(
    AppEvent.options.map((option) => {
      const type = option.shape.type.value;
      return [
        idOf(option),
        {
          name: type,
          title: type,
          summary: option.description,
          contentType: "application/json",
          payload: { $ref: `${PREFIX}${idOf(option)}` },
        },
      ];
    }),
  );
  const refs = Object.fromEntries(
    Object.keys(messages).map((id) => [id, { $ref: `#/components/messages/${id}` }]),
  );
  return {
    asyncapi: "3.0.0",
    info: {
      title: "Instagram DM backend: events out",
      version: `${EVENT_SCHEMA_VERSION}.0.0`,
      description:
        "Events derived from committed writes (DynamoDB Streams), published on a custom EventBridge bus " +
        `(source \`${EVENT_SOURCE}\`, detail-type = event type, detail = the event) and, when configured, POSTed ` +
        "to the app's webhook endpoint signed per Standard Webhooks (body { type, timestamp, data = the event }). " +
        "See docs/events.md.",
    },
    channels: {
      eventBus: {
        address: null,
        description: `EventBridge bus (stack output EventBusName): source \`${EVENT_SOURCE}\`, detail-type = the event type.`,
        messages: refs,
      },
      appWebhook: {
        address: null,
        description:
          "POST to appWebhookUrl (stage config), Standard Webhooks: headers webhook-id (= event id), " +
          "webhook-timestamp, webhook-signature v1,…",
        messages: refs,
      },
    },
    operations: {
      receiveFromBus: {
        action: "receive",
        channel: { $ref: "#/channels/eventBus" },
        summary: "Subscribe with an EventBridge rule",
      },
      receiveWebhook: {
        action: "receive",
        channel: { $ref: "#/channels/appWebhook" },
        summary: "Receive signed POSTs; verify with any Standard Webhooks library",
      },
    },
    components: { messages, schemas: schemas() },
  };
}

export function asyncApiText(): string {
  return `${JSON.stringify(asyncApiDocument(), null, 2)}\n`;
}
