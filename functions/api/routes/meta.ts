/** Health check (the one route without a key), the OpenAPI document and its reference page. */
import { z } from 'zod';
import { renderDocsPage } from '../docs-page.js';
import type { OpenApiDocument } from '../openapi.js';
import { defineRoute, json, type ApiRoute } from '../route.js';

/** The document is built from the full route list, this one included, so it comes in lazily. */
export function metaRoutes(document: () => OpenApiDocument): ApiRoute[] {
  let page: string | undefined;
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
        responses: { 200: { description: 'HTML page rendered from the OpenAPI document', contentType: 'text/html', schema: z.string() } },
      },
      ({ c }) => c.html((page ??= renderDocsPage(document()))),
    ),
  ];
}
