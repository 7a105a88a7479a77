/**
 * Nango's proxy, `GET|POST|PUT|PATCH|DELETE /proxy/{anyPath}`: a request to the provider as a
 * connection (see `engine/proxy/proxy-request.ts`). The route is a passthrough: the rest of the
 * path, the raw query and the raw body go on as sent, with the `Nango-Proxy-*` headers; the
 * provider's answer comes back as it sent it, failures included. The body limit is the proxy's
 * (`PROXY_MAX_REQUEST_BYTES`), not the API's.
 */
import * as z from 'zod';
import { NULL_BODY_STATUSES } from '../../engine/http/read-response.js';
import { forwardedHeaders, parseRetryOn, ProxyControlHeadersSchema } from '../../engine/proxy/proxy-headers.js';
import { PROXY_MAX_REQUEST_BYTES } from '../../engine/proxy/limits.js';
import { type ProxyDeps, type ProxyMethod, proxyRequest } from '../../engine/proxy/proxy-request.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, ErrorResponseSchema } from '../errors.js';
import { type ApiRoute, defineRoute, type HttpMethod } from '../route.js';
import { canReadSecrets } from '../scopes.js';

const METHODS: HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

const ProxyParamsSchema = z.object({
  // Empty for `/proxy` and `/proxy/`, which call the base URL itself, as Nango maps them to `/`.
  anyPath: z.string().default('').meta({ description: "The provider's path, relative to its base URL (or to Base-Url-Override); slashes included. `/proxy` and `/proxy/` call `/`." }),
});

export function proxyRoutes(deps: ApiDeps): ApiRoute[] {
  const proxyDeps: ProxyDeps = {
    registry: deps.syncline.registry,
    state: deps.syncline.state,
    clock: deps.clock,
    logger: deps.logger,
    ...(deps.proxy?.fetch ? { fetch: deps.proxy.fetch } : {}),
    allowPrivate: deps.proxy?.allowPrivate ?? false,
  };
  return METHODS.map((method) =>
    defineRoute(
      {
        method,
        path: '/proxy/{anyPath}',
        tag: 'Proxy',
        summary: `Proxy a ${method.toUpperCase()} request to the provider`,
        description: [
          "Calls the provider as the connection, with its credentials injected per the provider's templates (an expired OAuth token is refreshed first; a 401 refreshes it and retries once).",
          'Headers named `Nango-Proxy-<name>` are passed on as `<name>`, with the request `Content-Type`; the query and body go as sent.',
          "The answer is the provider's, status and body unchanged, failures included.",
          'A `Base-Url-Override` needs a `full` key (the credentials go to it) and, in AWS, an https URL.',
          'Limits: a 25 s budget for every attempt and retry wait, bodies up to 4.5 MB in and 5 MB back (4.5 MB for binary; text whose JSON-escaped form exceeds 6,000,000 bytes is refused too), 502 `response_too_large` above.',
        ].join(' '),
        headers: ProxyControlHeadersSchema,
        params: ProxyParamsSchema,
        passthrough: { maxBodyBytes: PROXY_MAX_REQUEST_BYTES, bodyDescription: 'Passed on to the provider as sent, with its Content-Type.' },
        responses: {
          200: { description: 'The response exactly as returned by the external API (any status it answered, any content type).', contentType: '*/*' },
          403: { description: 'The API key lacks the proxy scope, or sends `Base-Url-Override` without the `full` scope', schema: ErrorResponseSchema },
          424: { description: 'The connection needs to be authorized again (its token could not be refreshed)', schema: ErrorResponseSchema },
          502: { description: 'The provider could not be reached, or its answer is too large to pass on (`response_too_large`)', schema: ErrorResponseSchema },
          504: { description: "The provider did not answer within the proxy's time budget", schema: ErrorResponseSchema },
        },
      },
      async ({ headers, c }) => {
        // Credentials go wherever the override points: sending them anywhere is reading them.
        if (headers['Base-Url-Override'] && !canReadSecrets(c.get('apiKey'))) {
          throw new ApiError(403, 'forbidden', "Base-Url-Override needs an API key with the full scope: the connection's credentials are sent to that URL");
        }
        const url = new URL(c.req.url);
        const body = method === 'get' ? undefined : new Uint8Array(await c.req.arrayBuffer());
        const outcome = await proxyRequest(proxyDeps, {
          providerConfigKey: headers['Provider-Config-Key'],
          connectionId: headers['Connection-Id'],
          method: method.toUpperCase() as ProxyMethod,
          // The raw (still percent-encoded) path after /proxy, as Nango passes its originalUrl on; `/` for none.
          path: url.pathname.replace(/^\/proxy/, '') || '/',
          query: url.search.replace(/^\?/, ''),
          headers: forwardedHeaders(c.req.raw.headers),
          body,
          retries: headers.Retries,
          retryOn: parseRetryOn(headers['Retry-On']),
          baseUrlOverride: headers['Base-Url-Override'] || undefined,
          decompress: headers.Decompress === undefined ? undefined : headers.Decompress === 'true',
        });
        if (outcome.kind === 'refused') throw new ApiError(outcome.status, outcome.code, outcome.message);
        return new Response(NULL_BODY_STATUSES.has(outcome.status) ? null : outcome.body, { status: outcome.status, headers: outcome.headers });
      },
    ),
  );
}
