import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";
import { describe, expect, it } from "vitest";
import { ASYNCAPI_PATH, asyncApiDocument, asyncApiText } from "../../dev/asyncapi/document";
import { EVENT_TYPES } from "../../lambdas/contract/events";

describe("the AsyncAPI document of events out", () => {
  it("is committed exactly as generated from the event schemas (run `npm run asyncapi`)", () => {
    expect(readFileSync(ASYNCAPI_PATH, "utf8")).toBe(asyncApiText());
  });

  it("is a valid AsyncAPI document for @asyncapi/parser (no errors; its schemas resolve)", async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync(ASYNCAPI_PATH, "utf8"));
    // Severity 0 is an error; warnings (style hints such as missing servers or tags) do not fail it.
    expect(diagnostics.filter((diagnostic) => diagnostic.severity === 0)).toEqual([]);
    expect(document?.version()).toBe("3.0.0");
    expect(document?.allMessages().all().length).toBe(EVENT_TYPES.length);
    // The parser loads its rule sets on first use: slow on a loaded machine.
  }, 60_000);

  it("is AsyncAPI 3.0 with one message per event type on both channels, payloads from the contract", () => {
    const document = asyncApiDocument() as {
      asyncapi: string;
      channels: Record<string, { messages: Record<string, unknown> }>;
      components: { messages: Record<string, { name: string }>; schemas: Record<string, unknown> };
    };
    expect(document.asyncapi).toBe("3.0.0");
    expect(Object.values(document.components.messages).map((message) => message.name)).toEqual([
      ...EVENT_TYPES,
    ]);
    for (const channel of Object.values(document.channels)) {
      expect(Object.keys(channel.messages)).toHaveLength(EVENT_TYPES.length);
    }
    expect(JSON.stringify(document.components.schemas)).not.toMatch(/token|secret/i);
  });
});
