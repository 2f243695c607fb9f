/** HTML of the simulator's authorise page and its error page (stable element ids for browser tests). */

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch,
  );
}

export interface ConsentPageInput {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly state: string | undefined;
  readonly accounts: readonly { username: string; name: string; accountType: string }[];
}

export function consentPage(input: ConsentPageInput): string {
  const hidden = (name: string, value: string | undefined) =>
    value === undefined ? "" : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const options = input.accounts
    .map(
      (a) =>
        `<option value="${escapeHtml(a.username)}">${escapeHtml(a.username)} — ${escapeHtml(a.name)} (${escapeHtml(a.accountType)})</option>`,
    )
    .join("");
  const scopes = input.scope
    .split(/[,\s]+/)
    .filter((s) => s !== "")
    .map((s) => `<li>${escapeHtml(s)}</li>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Instagram (simulator) — Allow access</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
button{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}#allow{background:#0095f6;color:#fff;border:0;border-radius:.5rem}</style>
</head><body>
<h1 id="title">Meta simulator</h1>
<p id="app">App <code>${escapeHtml(input.clientId)}</code> would like to access your Instagram professional account.</p>
<form id="consent" method="post" action="/oauth/authorize">
${hidden("client_id", input.clientId)}${hidden("redirect_uri", input.redirectUri)}${hidden("scope", input.scope)}${hidden("state", input.state)}
<label for="account">Log in as</label>
<select id="account" name="username">${options}</select>
<p>Permissions requested:</p><ul id="scopes">${scopes}</ul>
<button id="allow" type="submit" name="decision" value="allow">Allow</button>
<button id="cancel" type="submit" name="decision" value="cancel">Cancel</button>
</form>
</body></html>`;
}

export function errorPage(message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Instagram (simulator) — Error</title></head>
<body><h1>Sorry, this page isn't available.</h1><p id="error">Invalid Request: ${escapeHtml(message)}</p></body></html>`;
}
