import { writeFileSync } from "node:fs";
import { ASYNCAPI_PATH, asyncApiText } from "./document";

/** `npm run asyncapi`: regenerates docs/asyncapi.json from the event schemas. */
writeFileSync(ASYNCAPI_PATH, asyncApiText());
process.stdout.write(`wrote ${ASYNCAPI_PATH}\n`);
