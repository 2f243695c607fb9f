import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CLIENT_TYPES_PATH, clientTypesText } from "./types-text";

/** `npm run openapi` (second step): regenerates the client's types from docs/openapi.json. */
mkdirSync(dirname(CLIENT_TYPES_PATH), { recursive: true });
writeFileSync(CLIENT_TYPES_PATH, await clientTypesText());
process.stdout.write(`wrote ${CLIENT_TYPES_PATH}\n`);
