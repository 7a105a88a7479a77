/**
 * The page the OAuth flow ends on (the callback's answer, or an error of `/oauth/connect`), in
 * the popup the connect page or Nango's frontend SDK opened, or in the connect link's own tab.
 *
 * It tells its opener the outcome the way Nango's callback page does (its server's
 * `utils/html.ts`): `postMessage({type: 'nango_oauth_callback_success'})` or
 * `{type: 'nango_oauth_callback_error', payload: {message, errorType}}`, also on the
 * `BroadcastChannel` `nango-oauth-callback` (which still reaches the opener when a provider's
 * Cross-Origin-Opener-Policy severed `window.opener`); on the opener's
 * `{type: 'nango_oauth_callback_ack'}` it closes, and on success it closes itself after half a
 * second in any case; an error stays open to be read. Success also carries
 * `{providerConfigKey, connectionId}` (Syncline's connect page shows and forwards them).
 * Messages go only to the API's own origin (the connect page): other openers — an app using
 * Nango's frontend SDK — learn the outcome through the SDK's WebSocket instead.
 *
 * Nothing of the request is written into the page unescaped: text goes through `escapeHtml`,
 * data for the script through `scriptJson` (no `<`, `>`, `&`, U+2028/9). Headers: a CSP whose
 * script and style run only with this response's nonce (no inline handlers, no other origin),
 * `Cache-Control: no-store`, and `Referrer-Policy: no-referrer` — the callback URL holds the
 * authorization code and state.
 */
import { randomBytes } from 'node:crypto';
import type { OAuthCallbackOutcome } from '../../engine/connect/oauth-outcome.js';

export interface OAuthPage {
  status: 200 | 400;
  html: string;
  headers: Record<string, string>;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** JSON that is safe inside a `<script>` element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const STYLES = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f7f7f8;color:#1a1a1a}
main{max-width:28rem;padding:2rem;text-align:center}h1{font-size:1.4rem;margin:0 0 .75rem}p{line-height:1.5;margin:.5rem 0}
.detail{font-family:ui-monospace,Menlo,monospace;font-size:.85rem;color:#555;word-break:break-word}.error h1{color:#b00020}`;

/** The opener protocol; `outcome` comes in as JSON. Static text: only the data differs per response. */
const SCRIPT = `(function () {
  var outcome = JSON.parse(document.getElementById('outcome').textContent);
  var origin = outcome.origin;
  var message = outcome.ok
    ? { type: 'nango_oauth_callback_success', payload: { providerConfigKey: outcome.providerConfigKey, connectionId: outcome.connectionId } }
    : { type: 'nango_oauth_callback_error', payload: { message: outcome.message, errorType: outcome.errorType } };
  function closeWindow() { try { window.close(); } catch (e) {} }
  window.addEventListener('message', function (event) {
    if (event.origin === origin && event.data && event.data.type === 'nango_oauth_callback_ack') closeWindow();
  });
  try { if (window.opener) window.opener.postMessage(message, origin); } catch (e) {}
  try {
    if (typeof BroadcastChannel !== 'undefined') { var channel = new BroadcastChannel('nango-oauth-callback'); channel.postMessage(message); channel.close(); }
  } catch (e) {}
  if (outcome.ok && window.opener) window.setTimeout(closeWindow, 500);
})();`;

/**
 * The page for an outcome. `origin` is the API's public origin, the only one the outcome is
 * posted to.
 */
export function renderOAuthPage(outcome: OAuthCallbackOutcome, origin: string): OAuthPage {
  const nonce = randomBytes(16).toString('base64');
  const data = outcome.ok
    ? { ok: true, origin, providerConfigKey: outcome.providerConfigKey, connectionId: outcome.connectionId }
    : { ok: false, origin, message: outcome.error.message, errorType: outcome.error.type };
  const body = outcome.ok
    ? `<main><h1>Connected</h1><p>Your ${escapeHtml(outcome.providerConfigKey)} account is connected.</p><p>You can close this window and return to the application.</p></main>`
    : `<main class="error"><h1>The connection failed</h1><p>${escapeHtml(outcome.error.message)}</p><p class="detail">${escapeHtml(outcome.error.type)}</p><p>You can close this window.</p></main>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer">
<title>${outcome.ok ? 'Connected' : 'Connection failed'}</title><style nonce="${nonce}">${STYLES}</style></head>
<body>${body}
<script type="application/json" id="outcome">${scriptJson(data)}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body></html>`;
  return {
    status: outcome.ok ? 200 : 400,
    html,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
    },
  };
}
