import { Logger } from "@aws-lambda-powertools/logger";
import { CompactLogFormatter } from "./log-formatter";
import { redactingReplacer } from "./redaction";

/** The one logger of a Lambda container; JSON lines with correlation ids and secret redaction. */
export const logger = new Logger({
  jsonReplacerFn: redactingReplacer,
  logFormatter: new CompactLogFormatter(),
});
