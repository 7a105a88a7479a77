/**
 * The hosted connect page (`GET /connect`, the `connect_link` of a connect session): one HTML
 * document with its stylesheet and script inline, identical for every request. Nothing from the
 * request is ever written into it — the script reads the session token from its own URL — so
 * there is nothing to escape and no way to inject markup through a link.
 *
 * Content-Security-Policy, and why each part:
 *   - `default-src 'none'`: nothing loads unless listed below.
 *   - `script-src` / `style-src` with the SHA-256 of the inline script and stylesheet: only this
 *     page's own code runs; no `'unsafe-inline'`, no inline event handlers (the script attaches
 *     its listeners), no `eval`.
 *   - `connect-src 'self'`: the page only talks to this API (`/connect/session`, `/api-auth/…`).
 *   - `img-src 'self' data: https:`: integration logos may live on the provider's or a logo
 *     host (the page shows an initial when one fails to load); images run no code, and the
 *     `Referrer-Policy` keeps the session token in the URL from reaching that host.
 *   - `form-action 'none'`: the form is sent by the script with `fetch`; should the script not
 *     run, the browser refuses to submit it rather than put an API key into a URL.
 *   - `frame-ancestors *`: Nango's frontend SDK (`openConnectUI`) shows this page in an iframe on
 *     the app's own origin, which Syncline cannot know in advance (Nango's hosted Connect UI is
 *     framable everywhere for the same reason). Framing gives a parent nothing a session token
 *     does not: the page acts only for the session the parent (or link) supplies, and every step
 *     is a click by the end user on this page. An app that needs a tighter policy can serve the
 *     page behind its own proxy.
 *   - `base-uri 'none'`: no `<base>` can redirect the page's relative URLs.
 */
import { createHash } from 'node:crypto';
import { CONNECT_PAGE_SCRIPT } from './script.js';
import { CONNECT_PAGE_STYLES } from './styles.js';

const BODY = `<main aria-labelledby="page-title">
<header><h1 id="page-title">Connect an account</h1><button type="button" id="close" class="icon" aria-label="Close" hidden>&times;</button></header>
<p id="status" class="status" role="status" aria-live="polite"></p>
<noscript><p>This page needs JavaScript to connect your account.</p></noscript>
<section id="loading-view" aria-busy="true"></section>
<section id="list-view" aria-labelledby="list-title" hidden>
<h2 id="list-title" tabindex="-1">Choose the app to connect</h2>
<ul id="integrations" class="integrations"></ul>
<p id="empty" hidden>No app can be connected with this link.</p>
</section>
<section id="form-view" aria-labelledby="form-title" hidden>
<button type="button" id="back" class="secondary">&larr; All apps</button>
<h2 id="form-title" tabindex="-1"></h2>
<p id="form-docs"></p>
<form id="form" method="post" novalidate autocomplete="off">
<div id="fields"></div>
<p id="oauth-note" hidden></p>
<p id="form-error" class="form-error" role="alert" tabindex="-1" hidden></p>
<div class="actions"><button type="submit" id="submit" class="primary">Connect</button></div>
</form>
</section>
<section id="result-view" aria-labelledby="result-title" hidden>
<div id="result" class="result"><h2 id="result-title" tabindex="-1"></h2><p id="result-message"></p>
<div class="actions"><button type="button" id="result-action" class="primary" hidden>Close</button></div></div>
</section>
</main>`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export const CONNECT_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><link rel="icon" href="data:,">
<title>Connect an account</title>
<style>${CONNECT_PAGE_STYLES}</style>
</head><body>
${BODY}
<script>${CONNECT_PAGE_SCRIPT}</script>
</body></html>`;

export const CONNECT_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(CONNECT_PAGE_SCRIPT)}`,
  `style-src ${sha256(CONNECT_PAGE_STYLES)}`,
  "img-src 'self' data: https:",
  "connect-src 'self'",
  "form-action 'none'",
  'frame-ancestors *',
  "base-uri 'none'",
].join('; ');

/** Every header the page is served with. */
export const CONNECT_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': CONNECT_PAGE_CSP,
  // The page carries a session token in its URL and its answers are per session: never cache, never leak it as a referrer.
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Robots-Tag': 'noindex',
};
