/**
 * The Syncline HTTP API as one Hono app, served unchanged by the API Lambda (API Gateway HTTP
 * API, payload v2) and by the local server. Middleware: request id, access log line, API key,
 * body size limit; then the routes (data, see `route.ts`), each behind its API-key scope check
 * (`scopes.ts`), and one error mapper for all of them.
 *
 * Tolerance for real clients: paths match with or without a trailing slash (`strict: false`),
 * header lookups ignore case, `Content-Type` may carry a charset, repeated query parameters
 * are read as lists, and query parameters a route does not know are ignored (see `route.ts`).
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { ApiDeps } from './deps.js';
import { errorBody, toErrorResponse } from './errors.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi.js';
import type { ApiEnv, ApiRoute } from './route.js';
import { assertScope, requiredScope } from './scopes.js';
import { apiKeysRoutes } from './routes/api-keys.js';
import { connectionsRoutes } from './routes/connections.js';
import { integrationsRoutes } from './routes/integrations.js';
import { metaRoutes } from './routes/meta.js';
import { providersRoutes } from './routes/providers.js';
import { recordsRoutes } from './routes/records.js';
import { scriptsRoutes } from './routes/scripts.js';
import { syncsRoutes } from './routes/syncs.js';
import { webhooksRoutes } from './routes/webhooks.js';

export type { ApiDeps } from './deps.js';

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export type ApiApp = Hono<ApiEnv>;

/** Every route of the API, in documentation order. */
export function apiRoutes(deps: ApiDeps, document: () => OpenApiDocument): ApiRoute[] {
  return [
    ...recordsRoutes(deps),
    ...syncsRoutes(deps),
    ...connectionsRoutes(deps),
    ...apiKeysRoutes(deps),
    ...providersRoutes(),
    ...integrationsRoutes(deps),
    ...scriptsRoutes(deps),
    ...webhooksRoutes(deps),
    ...metaRoutes(document),
  ];
}

export function createApiApp(deps: ApiDeps): ApiApp {
  const { logger } = deps;
  let document: OpenApiDocument | undefined;
  const routes = apiRoutes(deps, () => (document ??= buildOpenApiDocument(routes, deps.syncline.registry, deps.publicUrl ? { publicUrl: deps.publicUrl } : {})));
  const publicPaths = new Set(routes.filter((r) => r.spec.public).map((r) => r.spec.path));
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const app = new Hono<ApiEnv>({ strict: false });

  app.use(requestId());

  // One access line per request: method, path, status, time. Never headers, query or body;
  // of the query parameters the route ignored, their names only (at debug).
  app.use(async (c, next) => {
    const started = Date.now();
    await next();
    const requestId = c.get('requestId');
    logger.log(c.res.status >= 500 ? 'error' : 'info', `${c.req.method} ${c.req.path} ${c.res.status} ${Date.now() - started} ms`, { requestId });
    const ignored = c.get('ignoredQuery');
    if (ignored) logger.log('debug', `ignored unknown query parameters: ${ignored.slice(0, 20).map(loggableName).join(', ')}`, { requestId });
  });

  app.use(async (c, next) => {
    if (publicPaths.has(normalizePath(c.req.path))) return next();
    const match = /^bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    const key = match ? await deps.apiKeys.verify(match[1]!) : null;
    if (!key) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json(errorBody('unauthorized', match ? 'the API key is not valid' : 'send the API key as "Authorization: Bearer <secret key>"'), 401);
    }
    c.set('apiKey', key);
    return next();
  });

  app.use(
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => c.json(errorBody('payload_too_large', `the request body exceeds ${maxBodyBytes} bytes`), 413),
    }),
  );

  for (const route of routes) {
    const scope = route.spec.public ? 'any' : requiredScope(route.spec);
    app.on(route.spec.method.toUpperCase(), route.spec.path.replace(/\{(\w+)\}/g, ':$1'), (c) => {
      assertScope(c.get('apiKey'), scope);
      return route.handle(c);
    });
  }

  app.notFound((c) => c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error, logger, c.get('requestId'));
    return c.json(body, status);
  });
  return app;
}

/** A parameter name as logged: printable, and too short to carry a whole secret someone sent as a name. */
function loggableName(name: string): string {
  const printable = name.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 24 ? `${printable.slice(0, 24)}…` : printable;
}

function normalizePath(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
