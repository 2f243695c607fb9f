import { documentClient } from "../adapters/dynamo/client";
import { sqsClient } from "../adapters/sqs/client";
import { historyConfigFromEnv } from "../config/env";
import { startHistoryImport } from "../domain/history/import";
import { historyBody } from "../http/connect-results";
import { json } from "../http/responses";
import { appRoute } from "../http/route";
import { logger } from "../platform/logger";
import { historyWiring } from "../wiring/history";

const history = historyWiring(historyConfigFromEnv(), { db: documentClient(), sqs: sqsClient() });
// Starting an import never opens a token: the worker does, with the secrets only it can read.
const deps = history.deps();

/**
 * `POST /instagram/integration/history`: imports the caller's account's recent conversations again (202 with the
 * job's progress; 409 while an import runs). Only the caller's own integration, from the JWT's tenant.
 */
export const handler = appRoute("integration-history", async (_event, { tenant }) => {
  const job = await startHistoryImport(deps, tenant);
  logger.info("history import started", {
    imoId: tenant.imoId,
    userId: tenant.userId,
    igAccountId: job.igAccountId,
    jobId: job.jobId,
  });
  return json(202, historyBody(job));
});
