/**
 * The web console (issue 15), served by the API itself: `GET /` is its page, and
 * `GET /console/assets/{file}` its script and stylesheet, built from `functions/console` (see
 * `functions/console/assets-contract.ts`: esbuild in process locally, embedded in the bundle in
 * AWS). One origin for the console and the API it calls: no CORS, no bucket or CDN to secure.
 *
 * Public, like the hosted connect page: the files hold no data, and the console's script calls
 * the API with the API key the user signs in with (kept in sessionStorage, sent as a Bearer
 * header, never a cookie, so no cross-site request can borrow it).
 *
 * Content-Security-Policy, and why each part:
 *   - `default-src 'none'`: nothing loads unless listed below.
 *   - `script-src 'self'` / `style-src 'self'`: only the hashed files served here; the page has
 *     no inline script or style, and Preact sets styles through the CSSOM, which the policy allows.
 *   - `connect-src 'self'`: the script talks to this API only, so a key cannot be sent elsewhere.
 *   - `img-src 'self' data:`: nothing remote; no tracking pixel, no logo host.
 *   - `base-uri 'none'`, `form-action 'self'`, `frame-ancestors 'none'`: no `<base>` hijack, no
 *     form posting the key elsewhere, no clickjacking frame around the write controls.
 */
import * as z from 'zod';
import { loadConsoleAssets } from 'syncline-console';
import type { ConsoleAsset } from '../../console/assets-contract.js';
import { NotFoundError } from '../../engine/errors.js';
import { type ApiContext, defineRoute, type ApiRoute } from '../route.js';

const TAG = 'Console';

export const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const AssetPath = z.object({ file: z.string().regex(/^[\w.-]{1,100}$/, 'a file name of the console') }).strict();

export function consoleRoutes(): ApiRoute[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/',
        tag: TAG,
        summary: 'The web console',
        description:
          'The console’s page: sign in with an API key to see integrations, connections, syncs, executions, records and webhooks; a restricted key sees a read-only console. Revalidated on every load (`Cache-Control: no-cache`), so a new deployment is picked up at once.',
        auth: 'public',
        responses: { 200: { description: 'The HTML page', contentType: 'text/html', schema: z.string() } },
      },
      async ({ c }) => send(c, (await loadConsoleAssets()).indexHtml, 'no-cache'),
    ),

    defineRoute(
      {
        method: 'get',
        path: '/console/assets/{file}',
        tag: TAG,
        summary: 'A file of the web console',
        description: 'The console’s script and stylesheet, named by content hash and cached for a year (`immutable`); gzipped when the client accepts it.',
        auth: 'public',
        params: AssetPath,
        responses: { 200: { description: 'The file' }, 404: { description: 'No such file (an older deployment’s, or none)' } },
      },
      async ({ params, c }) => {
        const { assets } = await loadConsoleAssets();
        const asset = Object.hasOwn(assets, params.file) ? assets[params.file] : undefined;
        if (!asset) throw new NotFoundError(`no console file "${params.file}"`);
        return send(c, asset, 'public, max-age=31536000, immutable');
      },
    ),
  ];
}

/** The asset, gzipped when the client takes gzip (API Gateway's HTTP API does not compress). */
function send(c: ApiContext, asset: ConsoleAsset, cacheControl: string): Response {
  const headers: Record<string, string> = { ...SECURITY_HEADERS, 'Content-Type': asset.contentType, 'Cache-Control': cacheControl, Vary: 'Accept-Encoding' };
  if (/\bgzip\b/i.test(c.req.header('accept-encoding') ?? '')) {
    return c.body(asset.gzip as Uint8Array<ArrayBuffer>, 200, { ...headers, 'Content-Encoding': 'gzip' });
  }
  return c.body(asset.body, 200, headers);
}
