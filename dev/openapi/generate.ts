import { writeFileSync } from "node:fs";
import { OPENAPI_PATH, openApiText } from "./document";

/** `npm run openapi`: regenerates docs/openapi.json from the route schemas. */
writeFileSync(OPENAPI_PATH, openApiText());
process.stdout.write(`wrote ${OPENAPI_PATH}\n`);
