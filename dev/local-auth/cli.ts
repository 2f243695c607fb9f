import { parseArgs } from "node:util";
import { claimNamesFromEnv } from "../../lambdas/platform/runtime-config";
import { loadOrCreateLocalIssuer } from "./index";

/**
 * Mints a development token for local mode (claim names from JWT_USER_ID_CLAIM / JWT_ORG_ID_CLAIM):
 *   npx tsx dev/local-auth/cli.ts --sub user-1 --imo imo-1 [--expires 1h] [--key .local/auth-key.json]
 */
const { values } = parseArgs({
  options: {
    sub: { type: "string", default: "dev-user" },
    imo: { type: "string", default: "dev-org" },
    expires: { type: "string", default: "8h" },
    key: { type: "string", default: ".local/auth-key.json" },
  },
});
const issuer = await loadOrCreateLocalIssuer(values.key);
const claims = claimNamesFromEnv();
process.stdout.write(
  `${await issuer.issueDevToken({ [claims.userId]: values.sub, [claims.imoId]: values.imo }, { expiresIn: values.expires })}\n`,
);
