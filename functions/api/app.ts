/**
 * The Syncline HTTP API as one Hono app, served unchanged by the API Lambda (API Gateway HTTP
 * API, payload v2) and by the local server. Middleware: request id, access log line, CORS for
 * the connect flow's routes, authentication by each route's `auth` (an API key by default; a
 * connect session token, rate-limited per session, see `connect-session-auth.ts`; or none); then
 * the routes (data, see `route.ts`), each behind its body size limit (the API's, or a passthrough
 * route's own: the proxy's) and, for API-key routes, its scope check (`scopes.ts`); and one
 * error mapper for all of them.
 *
 * Tolerance for real clients: paths match with or without a trailing slash (`strict: false`),
 * header lookups ignore case, `Content-Type` may carry a charset, repeated query parameters
 * are read as lists, and query parameters a route does not know are ignored (see `route.ts`).
 */
import { type Context, Hono } from 'hono';
import { METHOD_NAME_ALL } from 'hono/router';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { matchedRoutes } from 'hono/route';
import { statusClassOf, type Metrics } from '../engine/metrics.js';
import type { ApiDeps } from './deps.js';
import { errorBody, toErrorResponse } from './errors.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi.js';
import { findConnectSession, SessionRateLimiter } from './connect-session-auth.js';
import { type ApiEnv, type ApiRoute, bearerToken, type RouteAuth } from './route.js';
import { assertScope, requiredScope } from './scopes.js';
import { actionsRoutes } from './routes/actions.js';
import { apiAuthRoutes } from './routes/api-auth.js';
import { apiKeysRoutes } from './routes/api-keys.js';
import { connectSessionsRoutes } from './routes/connect-sessions.js';
import { connectPageRoutes } from './routes/connect-page.js';
import { connectionsRoutes } from './routes/connections.js';
import { consoleRoutes } from './routes/console.js';
import { integrationsRoutes } from './routes/integrations.js';
import { metaRoutes } from './routes/meta.js';
import { oauthRoutes } from './routes/oauth.js';
import { providersRoutes } from './routes/providers.js';
import { proxyRoutes } from './routes/proxy.js';
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
    ...actionsRoutes(deps),
    ...connectionsRoutes(deps),
    ...proxyRoutes(deps),
    ...apiKeysRoutes(deps),
    ...providersRoutes(),
    ...integrationsRoutes(deps),
    ...scriptsRoutes(deps),
    ...webhooksRoutes(deps),
    ...connectSessionsRoutes(deps),
    ...apiAuthRoutes(deps),
    ...connectPageRoutes(),
    ...oauthRoutes(deps),
    ...metaRoutes(document, (secret) => deps.apiKeys.verify(secret)),
    ...consoleRoutes(),
  ];
}

/**
 * `metrics` counts requests (in aggregate, and by route pattern and status class) and 5xx answers
 * (aggregate only), and is flushed after each request: one per invocation in Lambda.
 */
export function createApiApp(deps: ApiDeps & { metrics?: Metrics }): ApiApp {
  const { logger, metrics } = deps;
  let document: OpenApiDocument | undefined;
  const routes = apiRoutes(deps, () => (document ??= buildOpenApiDocument(routes, deps.syncline.registry, deps.publicUrl ? { publicUrl: deps.publicUrl } : {})));
  const authOf = routeAuthMatcher(routes);
  const rateLimiter = new SessionRateLimiter();
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const app = new Hono<ApiEnv>({ strict: false });

  // A metric's route is the OpenAPI path of the route that matched (never the raw path, which
  // carries ids): Hono's pattern mapped back to it. The auth check runs before the route, so a
  // 401 on a known route still counts under that route; no route at all is `unmatched`.
  const specPathOf = new Map(routes.flatMap((route) => honoPaths(route).map((path) => [path, route.spec.path] as const)));
  const routePatternOf = (c: Context<ApiEnv>) => {
    const route = matchedRoutes(c).find((r) => r.method !== METHOD_NAME_ALL);
    return (route && specPathOf.get(route.path)) ?? 'unmatched';
  };

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
    if (metrics) {
      metrics.count('ApiRequests', 1, { route: routePatternOf(c), statusClass: statusClassOf(c.res.status) });
      if (c.res.status >= 500) metrics.count('ApiServerErrors', 1);
      metrics.flush();
    }
  });

  // The connect flow's routes are called from the end user's browser, on the app's own origin
  // (Nango's frontend SDK): any origin may, since the session token, not a cookie, authorizes.
  const sessionCors = cors({ origin: '*', allowMethods: ['GET', 'POST', 'DELETE'], allowHeaders: ['Authorization', 'Content-Type'], maxAge: 600 });
  app.use(async (c, next) => {
    if (authOf(c.req.method, normalizePath(c.req.path)) !== 'connect_session') return next();
    // An OPTIONS that is no preflight (no Access-Control-Request-Method) is no CORS question: it
    // goes on to the session check like any other method, and is refused there.
    if (c.req.method === 'OPTIONS' && !c.req.header('access-control-request-method')) return next();
    return sessionCors(c, next);
  });

  app.use(async (c, next) => {
    const auth = authOf(c.req.method, normalizePath(c.req.path));
    if (auth === 'public') return next();
    if (auth === 'connect_session') {
      const session = await findConnectSession(deps, c);
      if (!session) return c.json(errorBody('invalid_connect_session', 'the connect session token is missing, unknown or expired'), 401);
      if (!rateLimiter.take(session.id, deps.clock.now())) {
        c.header('Retry-After', '10');
        return c.json(errorBody('too_many_requests', 'too many requests for this connect session; try again in a few seconds'), 429);
      }
      c.set('connectSession', session);
      return next();
    }
    const token = bearerToken(c);
    const key = token ? await deps.apiKeys.verify(token) : null;
    if (!key) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json(errorBody('unauthorized', token ? 'the API key is not valid' : 'send the API key as "Authorization: Bearer <secret key>"'), 401);
    }
    c.set('apiKey', key);
    return next();
  });

  const limitBody = (maxSize: number) => bodyLimit({ maxSize, onError: (c) => c.json(errorBody('payload_too_large', `the request body exceeds ${maxSize} bytes`), 413) });
  const apiBodyLimit = limitBody(maxBodyBytes);

  for (const route of routes) {
    // Scopes are an API key's; a public or connect-session route has none to check.
    const scope = (route.spec.auth ?? 'api_key') === 'api_key' ? requiredScope(route.spec) : 'any';
    // A passthrough route (the proxy) has its own body limit; every other route the API's.
    const passthrough = route.spec.passthrough;
    app.on(route.spec.method.toUpperCase(), honoPaths(route), passthrough ? limitBody(passthrough.maxBodyBytes) : apiBodyLimit, (c) => {
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

/**
 * Who may call (method, path), decided before routing so that an unknown path without a key is
 * still a 401 rather than telling strangers which paths exist. Path parameters match one segment.
 */
function routeAuthMatcher(routes: ApiRoute[]): (method: string, path: string) => RouteAuth {
  const patterns = routes
    .filter((r) => (r.spec.auth ?? 'api_key') !== 'api_key')
    .map((r) => ({
      method: r.spec.method.toUpperCase(),
      auth: r.spec.auth!,
      regex: new RegExp(
        `^${r.spec.path
          .split(/\{\w+\}/)
          .map(escapeRegExp)
          .join('[^/]+')}$`,
      ),
    }));
  return (method, path) => {
    // A CORS preflight (OPTIONS) of a session route is answered by the CORS middleware before auth.
    const found = patterns.find((p) => (p.method === method || (p.method === 'GET' && method === 'HEAD') || method === 'OPTIONS') && p.regex.test(path));
    return found?.auth ?? 'api_key';
  };
}

/**
 * The route's paths as Hono matches them. A passthrough route's last parameter takes the rest
 * of the path, and may be absent: `/proxy` and `/proxy/` (one path, with `strict: false`) are
 * the proxy with an empty rest, as Nango serves them.
 */
function honoPaths(route: ApiRoute): string[] {
  const path = route.spec.path.replace(/\{(\w+)\}/g, ':$1');
  if (!route.spec.passthrough) return [path];
  return [path.replace(/:(\w+)$/, ':$1{.+}'), path.replace(/\/:\w+$/, '')];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function normalizePath(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
