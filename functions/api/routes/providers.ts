/** The provider catalog: `GET /providers` and `GET /providers/{provider}`, in Nango's response shape. */
import type * as z from 'zod';
import { NotFoundError } from '../../engine/errors.js';
import { findProvider, listProviders } from '../../engine/providers/catalog.js';
import { defaultProxy, type Provider } from '../../engine/providers/provider.js';
import { defineRoute, json, type ApiRoute } from '../route.js';
import { ProviderPath, ProviderResponse, ProvidersResponse, type ProviderSchemaOut } from './providers.schemas.js';

export function providersRoutes(): ApiRoute[] {
  return [
    defineRoute(
      {
        method: 'get',
        path: '/providers',
        tag: 'Providers',
        summary: 'List the provider catalog',
        description:
          'Every provider Syncline knows: base URL, auth mode and OAuth endpoints, proxy headers, retry rules, default pagination and the connection-config fields a connect form asks for. Written from each provider\u2019s public API documentation (`docs`).',
        responses: { 200: { description: 'The catalog', schema: ProvidersResponse } },
      },
      ({ c }) => json(c, 200, { data: listProviders().map(toApiProvider) }),
    ),
    defineRoute(
      {
        method: 'get',
        path: '/providers/{provider}',
        tag: 'Providers',
        summary: 'Get one provider of the catalog',
        params: ProviderPath,
        responses: { 200: { description: 'The provider', schema: ProviderResponse } },
      },
      ({ params, c }) => {
        const provider = findProvider(params.provider);
        if (!provider) throw new NotFoundError(`unknown provider "${params.provider}"`);
        return json(c, 200, { data: toApiProvider(provider) });
      },
    ),
  ];
}

export function toApiProvider(provider: Provider): z.output<typeof ProviderSchemaOut> {
  const { auth } = provider;
  const proxy = provider.proxy ?? defaultProxy(auth.mode);
  const oauth = auth.mode === 'OAUTH2' || auth.mode === 'OAUTH2_CC' ? auth : undefined;
  return {
    name: provider.name!,
    display_name: provider.displayName!,
    auth_mode: auth.mode,
    categories: provider.categories,
    docs: provider.docs!,
    ...(auth.mode === 'OAUTH2' && auth.authorizationUrl ? { authorization_url: auth.authorizationUrl } : {}),
    ...(oauth?.tokenUrl ? { token_url: oauth.tokenUrl } : {}),
    ...(auth.mode === 'OAUTH2' && auth.refreshUrl ? { refresh_url: auth.refreshUrl } : {}),
    ...(oauth ? { default_scopes: oauth.defaultScopes, scope_separator: oauth.scopeSeparator, token_request_auth_method: oauth.tokenRequestAuth } : {}),
    ...(auth.mode === 'OAUTH2' ? { authorization_params: auth.authorizationParams, pkce: auth.pkce, token_response_metadata: Object.keys(auth.tokenResponseToConnectionConfig) } : {}),
    proxy: {
      base_url: provider.baseUrl,
      headers: proxy.headers,
      query: proxy.query,
      retry: {
        statuses: provider.retry.statuses,
        ...(provider.retry.remainingHeader ? { remaining_header: provider.retry.remainingHeader } : {}),
        ...(provider.retry.wait ? { wait_header: provider.retry.wait.header, wait_format: provider.retry.wait.format } : {}),
      },
      ...(provider.pagination ? { paginate: provider.pagination } : {}),
    },
    connection_config: provider.connectionConfig,
  };
}
