/**
 * Connection metadata as Nango sets it: POST replaces it, PATCH merges the given top-level keys,
 * for one connection or several (all must exist, or nothing changes). Served at
 * `/connections/metadata`, at the deprecated `/connection/metadata`, and at the older
 * `/connection/{connectionId}/metadata` whose body is the metadata itself and whose integration
 * comes in the `Provider-Config-Key` header (or `provider_config_key` query parameter).
 */
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { type ApiRoute, defineRoute, json } from '../route.js';
import { Metadata } from '../schemas.js';
import { connectionLookups } from './connections.lookup.js';
import { ConnectionPath, LegacyMetadataHeaders, LegacyMetadataQuery, MetadataBody, MetadataResponse } from './connections.schemas.js';

export function connectionMetadataRoutes(deps: ApiDeps): ApiRoute[] {
  const { state } = deps.syncline;
  const { allConnections } = connectionLookups(deps);

  const replace = async (providerConfigKey: string, ids: string[], metadata: Record<string, unknown>) => {
    await allConnections(providerConfigKey, ids);
    for (const id of ids) await state.connections.updateMetadata(providerConfigKey, id, metadata);
  };
  const merge = async (providerConfigKey: string, ids: string[], metadata: Record<string, unknown>) => {
    const existing = await allConnections(providerConfigKey, ids);
    // Read-merge-write: a concurrent PATCH of the same connection may lose its keys (as on Nango).
    for (const connection of existing) await state.connections.updateMetadata(providerConfigKey, connection.connectionId, { ...connection.metadata, ...metadata });
  };

  const routes = (base: '/connections' | '/connection', deprecated: boolean): ApiRoute[] => [
    defineRoute(
      {
        method: 'post',
        path: `${base}/metadata`,
        tag: 'Connections',
        summary: deprecated ? 'Set connection metadata (deprecated path)' : 'Set connection metadata',
        description: 'Replaces the metadata of one or several connections.',
        deprecated,
        body: MetadataBody,
        responses: { 201: { description: 'Set', schema: MetadataResponse } },
      },
      async ({ body, c }) => {
        await replace(body.provider_config_key, [body.connection_id].flat(), body.metadata);
        return json(c, 201, body);
      },
    ),
    defineRoute(
      {
        method: 'patch',
        path: `${base}/metadata`,
        tag: 'Connections',
        summary: deprecated ? 'Update connection metadata (deprecated path)' : 'Update connection metadata',
        description: 'Merges the given top-level keys into the metadata of one or several connections; other keys are kept.',
        deprecated,
        body: MetadataBody,
        responses: { 200: { description: 'Updated', schema: MetadataResponse } },
      },
      async ({ body, c }) => {
        await merge(body.provider_config_key, [body.connection_id].flat(), body.metadata);
        return json(c, 200, body);
      },
    ),
  ];

  const legacy = (method: 'post' | 'patch'): ApiRoute =>
    defineRoute(
      {
        method,
        path: '/connection/{connectionId}/metadata',
        tag: 'Connections',
        summary: method === 'post' ? 'Set one connection’s metadata (deprecated)' : 'Update one connection’s metadata (deprecated)',
        description: `${method === 'post' ? 'Replaces' : 'Merges into'} the connection's metadata; the body is the metadata. The integration comes in the Provider-Config-Key header or the provider_config_key query parameter.`,
        deprecated: true,
        params: ConnectionPath,
        query: LegacyMetadataQuery,
        headers: LegacyMetadataHeaders,
        body: Metadata,
        responses: method === 'post' ? { 201: { description: 'Set', schema: Metadata } } : { 200: { description: 'Updated', schema: Metadata } },
      },
      async ({ params, query, headers, body, c }) => {
        const providerConfigKey = query.provider_config_key ?? headers['Provider-Config-Key'];
        if (providerConfigKey === undefined) {
          throw new ApiError(400, 'invalid_request', 'name the integration in the Provider-Config-Key header or the provider_config_key query parameter', [
            { path: 'headers.Provider-Config-Key', message: 'Required' },
          ]);
        }
        if (method === 'post') {
          await replace(providerConfigKey, [params.connectionId], body);
          return json(c, 201, body);
        }
        await merge(providerConfigKey, [params.connectionId], body);
        return json(c, 200, body);
      },
    );

  return [...routes('/connections', false), ...routes('/connection', true), legacy('post'), legacy('patch')];
}
