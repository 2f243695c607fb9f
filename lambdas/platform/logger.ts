import { Logger } from "@aws-lambda-powertools/logger";
import { redactingReplacer } from "./redaction";

/** The one logger of a Lambda container; JSON lines with correlation ids and secret redaction. */
export const logger = new Logger({ jsonReplacerFn: redactingReplacer });
