import { secretsLoaderFromEnv } from "../adapters/secrets";
import { connectFromEnv } from "../config/connect";
import { OAuthCompleteBody } from "../contract/api/oauth";
import { type CompleteOutcome, completeConnect } from "../domain/connect/complete";
import type { Tenant } from "../domain/tenant";
import { oauthCompleteResult } from "../http/connect-results";
import { jsonBody } from "../http/request";
import { appRouteWithSecrets } from "../http/route";
import { logger } from "../platform/logger";

const connect = connectFromEnv();
const loadSecrets = secretsLoaderFromEnv();

/**
 * `POST /instagram/oauth/complete`: redeems the connect ticket from the landing URL for the caller (tenant
 * from the JWT only); only the tenant that started the flow can, once.
 */
export const handler = appRouteWithSecrets(
  "oauth-complete",
  loadSecrets,
  async (event, { tenant, secrets }) => {
    const { ticket } = jsonBody(event, OAuthCompleteBody);
    const outcome = await completeConnect(ticket, tenant, {
      tickets: connect.connectTickets,
      login: connect.loginClient(secrets),
      integrations: connect.integrations,
      keys: connect.tokenKeys(secrets),
      now: connect.now,
      onSecret: connect.onSecret,
    });
    logOutcome(outcome, tenant);
    if (outcome.kind === "connected") {
      logger.info("history import on connect", {
        imoId: tenant.imoId,
        result: await connect.startHistory(tenant),
      });
    }
    return oauthCompleteResult(outcome);
  },
);

/** One log line per attempt: who connected, or why a ticket was refused (never the ticket). */
function logOutcome(outcome: CompleteOutcome, tenant: Tenant): void {
  const { imoId, userId } = tenant;
  if (outcome.kind === "refused") {
    // `other_tenant` is the takeover attempt this route exists to stop: warn, so it can be noticed.
    const level = outcome.why === "other_tenant" ? "warn" : "info";
    logger[level]("connect ticket refused", { imoId, userId, why: outcome.why });
  } else if (outcome.kind === "subscribe_failed") {
    const { metaCode, fbtraceId, message } = outcome;
    logger.warn("instagram connect failed", {
      step: "subscribe",
      imoId,
      userId,
      metaCode,
      fbtrace_id: fbtraceId,
      detail: message,
    });
  } else {
    const { igAccountId } = outcome.integration;
    logger.info("instagram connected", { imoId, userId, igAccountId, connectKind: outcome.connectKind });
  }
}
