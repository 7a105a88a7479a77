/** Health check, the OpenAPI document and its reference page. */
import * as z from 'zod';
import type { ApiKeyInfo } from '../../engine/ports.js';
import { renderDocsPage } from '../docs-page.js';
import type { OpenApiDocument } from '../openapi.js';
import { bearerToken, defineRoute, json, type ApiRoute } from '../route.js';

/**
 * The document is built from the full route list, this one included, so it comes in lazily.
 * `verifyKey` checks an optional key on the public reference page (see `/docs` below).
 */
export function metaRoutes(document: () => OpenApiDocument, verifyKey: (secret: string) => Promise<ApiKeyInfo | null>): ApiRoute[] {
  const pages: { withModels?: string; routesOnly?: string } = {};
  return [
    defineRoute(
      {
        method: 'get',
        path: '/health',
        tag: 'Meta',
        summary: 'Health check',
        auth: 'public',
        responses: { 200: { description: 'The API is up', schema: z.object({ status: z.literal('ok') }) } },
      },
      ({ c }) => json(c, 200, { status: 'ok' }),
    ),

    defineRoute(
      {
        method: 'get',
        path: '/openapi.json',
        tag: 'Meta',
        summary: 'This API as an OpenAPI 3.1 document',
        responses: { 200: { description: 'OpenAPI document', schema: z.object({ openapi: z.string() }).catchall(z.unknown()) } },
      },
      ({ c }) => json(c, 200, document()),
    ),

    defineRoute(
      {
        method: 'get',
        path: '/docs',
        tag: 'Meta',
        summary: 'Readable reference page',
        description:
          'Opens in a browser without a key: the routes are the same on every Syncline (the README lists them). The record models of this project’s integrations are shown only to a request with a valid API key (`Authorization: Bearer`), as in `/openapi.json`; the console’s API reference page (`/#/reference`) shows them with the signed-in key.',
        // Public rather than a page that fetches /openapi.json with a stored key: a link to /docs
        // opens in a new tab, which has no copy of the console's sessionStorage, and the page
        // must stay script-free (it is served without the console's CSP). What a stranger sees is
        // only what the README already publishes; the integrations' models stay behind a key.
        auth: 'public',
        responses: { 200: { description: 'HTML page rendered from the OpenAPI document', contentType: 'text/html', schema: z.string() } },
      },
      async ({ c }) => {
        const token = bearerToken(c);
        const withModels = token !== undefined && (await verifyKey(token)) !== null;
        c.header('Vary', 'Authorization');
        if (withModels) return c.html((pages.withModels ??= renderDocsPage(document(), { models: true })));
        return c.html((pages.routesOnly ??= renderDocsPage(document(), { models: false })));
      },
    ),
  ];
}
