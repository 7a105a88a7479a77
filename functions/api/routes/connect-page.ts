/**
 * `GET /connect`: the hosted connect page a connect session's `connect_link` opens, and the page
 * Nango's frontend SDK loads in its iframe (`openConnectUI({ baseURL: '<api>/connect' })`, which
 * requests `/connect/`). Public: the page itself holds no data; its script authenticates to
 * `GET /connect/session` with the session token. See `connect-ui/page.ts` for the policy.
 */
import * as z from 'zod';
import { CONNECT_PAGE_HEADERS, CONNECT_PAGE_HTML } from '../connect-ui/page.js';
import { defineRoute, type ApiRoute } from '../route.js';

export function connectPageRoutes(): ApiRoute[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/connect',
        tag: 'Connect',
        summary: 'Hosted connect page (a connect session’s connect_link)',
        description:
          'The page an end user opens to connect an account: `?session_token=<token>` as in `connect_link`, or without it inside the iframe of `@nangohq/frontend`’s `openConnectUI`, which hands the token over by `postMessage`. Lists the session’s integrations, asks for connection-config fields and credentials, and runs the OAuth flow or the API-key / basic-auth call. Served with a strict Content-Security-Policy and `Cache-Control: no-store`.',
        auth: 'public',
        responses: { 200: { description: 'The HTML page (the same document for every request)', contentType: 'text/html', schema: z.string() } },
      },
      ({ c }) => c.body(CONNECT_PAGE_HTML, 200, { ...CONNECT_PAGE_HEADERS }),
    ),
  ];
}
