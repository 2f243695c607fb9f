/** What a browser sees while connecting: the consent page's Allow answer and where our callback sends it. */
export interface ConsentOutcome {
  readonly consentStatus: number;
  /** The simulator's redirect after Allow (our OAuth callback with `code` and `state`). */
  readonly callbackUrl: URL;
  readonly callbackStatus: number;
  /** Where our callback redirects the browser (returnTo with `connect_ticket=…` or `instagram=error`). */
  readonly landingUrl: URL | undefined;
  /** The `connect_ticket` on the landing URL, for the app's page to redeem with its JWT. */
  readonly ticket: string | undefined;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" };
const decodeHtml = (value: string) =>
  value.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ENTITIES[e] ?? "");

/**
 * The browser's part of Connect, over plain HTTP: open the simulator's consent page, submit its form with Allow
 * (the first account offered), then follow the redirect to our callback without following it further.
 */
export async function allowOnConsentPage(authorizationUrl: string): Promise<ConsentOutcome> {
  const consent = await fetch(authorizationUrl);
  const page = await consent.text();
  const form = new URLSearchParams();
  for (const [, name, value] of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.append(name ?? "", decodeHtml(value ?? ""));
  }
  form.append("username", decodeHtml(/<option value="([^"]+)"/.exec(page)?.[1] ?? ""));
  form.append("decision", "allow");
  const allowed = await fetch(new URL("/oauth/authorize", authorizationUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    redirect: "manual",
  });
  const callbackUrl = new URL(allowed.headers.get("location") ?? "about:blank");
  const callback = await fetch(callbackUrl, { redirect: "manual" });
  const landing = callback.headers.get("location");
  return {
    consentStatus: consent.status,
    callbackUrl,
    callbackStatus: callback.status,
    landingUrl: landing ? new URL(landing) : undefined,
    ticket: landing ? (new URL(landing).searchParams.get("connect_ticket") ?? undefined) : undefined,
  };
}

/**
 * The same for the Facebook Login dialog (Facebook flavour): continue as the first person offered, with every Page
 * the dialog ticks, then follow the redirect to our callback (and no further).
 */
export async function allowOnFacebookDialog(authorizationUrl: string): Promise<ConsentOutcome> {
  const dialog = await fetch(authorizationUrl);
  const page = await dialog.text();
  const form = new URLSearchParams();
  for (const [, name, value] of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.append(name ?? "", decodeHtml(value ?? ""));
  }
  form.append("fb_user", decodeHtml(/<option value="([^"]+)"/.exec(page)?.[1] ?? ""));
  for (const [, value] of page.matchAll(/<input type="checkbox" name="page" value="([^"]+)" checked>/g)) {
    form.append("page", decodeHtml(value ?? ""));
  }
  form.append("decision", "allow");
  const allowed = await fetch(new URL(new URL(authorizationUrl).pathname, authorizationUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
    redirect: "manual",
  });
  const callbackUrl = new URL(allowed.headers.get("location") ?? "about:blank");
  const callback = await fetch(callbackUrl, { redirect: "manual" });
  const landing = callback.headers.get("location");
  return {
    consentStatus: dialog.status,
    callbackUrl,
    callbackStatus: callback.status,
    landingUrl: landing ? new URL(landing) : undefined,
    ticket: landing ? (new URL(landing).searchParams.get("connect_ticket") ?? undefined) : undefined,
  };
}
