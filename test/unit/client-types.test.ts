import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLIENT_TYPES_PATH, clientTypesText } from "../../client/scripts/types-text";
import { openApiText } from "../../dev/openapi/document";

describe("the client's generated types", () => {
  it("are committed exactly as generated from the route schemas (run `npm run openapi`)", async () => {
    // Generated from the document the route schemas produce now, so a schema change without `npm run openapi`
    // fails here even before docs/openapi.json is looked at.
    expect(readFileSync(CLIENT_TYPES_PATH, "utf8")).toBe(await clientTypesText(openApiText()));
  });
});
