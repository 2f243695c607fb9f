import { Env } from "../contract/env";
import { Paths } from "../contract/routes";

/** The public base URL and the status-page setting, as the stage configures them ("" when unset). */
export interface PublicUrlConfig {
  readonly publicBaseUrl: string;
  readonly dataDeletionStatusUrl: string;
}

/**
 * URL builders over the public base URL (API Gateway's, or the custom domain). The base URL is checked when
 * a URL is built, so handlers that never build one (integration-get, data-deletion-status) need none.
 */
export function publicUrls(config: PublicUrlConfig) {
  function publicBaseUrl(): string {
    if (config.publicBaseUrl === "")
      throw new Error(`Missing required environment variable ${Env.publicBaseUrl}`);
    return config.publicBaseUrl.replace(/\/+$/, "");
  }
  return {
    publicBaseUrl,
    /** The OAuth redirect URI: the same string at authorize and at code exchange, and in Meta's dashboard. */
    redirectUri: (): string => `${publicBaseUrl()}${Paths.oauthCallback}`,
    /** Where Meta sends the person to check a deletion: the configured URL (`{code}` or `?code=`) or our route. */
    dataDeletionStatusUrl(code: string): string {
      const configured = config.dataDeletionStatusUrl;
      if (configured === "") return `${publicBaseUrl()}${Paths.dataDeletionStatus.replace("{code}", code)}`;
      if (configured.includes("{code}")) return configured.replace("{code}", encodeURIComponent(code));
      const url = new URL(configured);
      url.searchParams.set("code", code);
      return url.href;
    },
  };
}
