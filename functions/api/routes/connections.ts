/**
 * Connections: import (create or replace) with credentials, get, list, delete, and metadata
 * (POST replaces it, PATCH merges the given top-level keys, as Nango does). No answer ever
 * contains a credential: `credentials` is reduced to its `type`.
 */
import { randomUUID } from 'node:crypto';
import type { Connection, Credentials, ProviderAuth } from '../../engine/connection.js';
import { NotFoundError } from '../../engine/errors.js';
import type { ConnectionInfo } from '../../engine/ports.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { defineRoute, json, type ApiRoute } from '../route.js';
import { iso, SuccessResponse } from '../schemas.js';
import {
  ConnectionPath,
  ConnectionResponse,
  type CredentialsInput,
  DeleteConnectionQuery,
  GetConnectionQuery,
  ImportConnectionBody,
  ListConnectionsQuery,
  ListConnectionsResponse,
  MetadataBody,
  MetadataResponse,
} from './connections.schemas.js';
import type { z } from 'zod';

export function connectionsRoutes(deps: ApiDeps): ApiRoute[] {
  const { registry, state, connections } = deps.syncline;

  const integrationOf = (providerConfigKey: string) => {
    const integration = registry.get(providerConfigKey);
    if (!integration) throw new NotFoundError(`unknown integration "${providerConfigKey}"`);
    return integration;
  };
  const connectionOf = async (providerConfigKey: string, connectionId: string): Promise<ConnectionInfo> => {
    integrationOf(providerConfigKey);
    const connection = await state.connections.find(providerConfigKey, connectionId);
    if (!connection) throw new NotFoundError(`unknown connection "${connectionId}" for integration "${providerConfigKey}"`);
    return connection;
  };
  /** Every named connection must exist before any is changed (Nango: all or nothing). */
  const allConnections = async (providerConfigKey: string, ids: string[]): Promise<ConnectionInfo[]> => {
    integrationOf(providerConfigKey);
    const found = await Promise.all(ids.map((id) => state.connections.find(providerConfigKey, id)));
    const missing = ids.filter((_, i) => !found[i]);
    if (missing.length > 0) throw new NotFoundError(`unknown connection(s) for integration "${providerConfigKey}": ${missing.join(', ')}; nothing was changed`);
    return found as ConnectionInfo[];
  };

  return [
    defineRoute(
      {
        method: 'post',
        path: '/connections',
        tag: 'Connections',
        summary: 'Import a connection',
        description: 'Creates (201) or replaces (200) a connection with credentials you already have. A new connection starts its auto-start syncs.',
        body: ImportConnectionBody,
        responses: { 200: { description: 'Replaced', schema: ConnectionResponse }, 201: { description: 'Created', schema: ConnectionResponse } },
      },
      async ({ body, c }) => {
        const integration = integrationOf(body.provider_config_key);
        const expected = credentialsTypeOf(integration.provider.auth.mode);
        if (body.credentials.type !== expected) {
          throw new ApiError(400, 'invalid_credentials', `integration "${body.provider_config_key}" authenticates with ${expected} credentials, not ${body.credentials.type}`, [
            { path: 'body.credentials.type', message: `expected ${expected}` },
          ]);
        }
        const now = iso(deps.clock.now());
        const connection: Connection = {
          providerConfigKey: body.provider_config_key,
          connectionId: body.connection_id ?? randomUUID(),
          credentials: toCredentials(body.credentials),
          metadata: body.metadata ?? {},
          connectionConfig: body.connection_config ?? {},
          createdAt: now,
          updatedAt: now,
        };
        const { created } = await connections.upsert(connection);
        const stored = await connectionOf(connection.providerConfigKey, connection.connectionId);
        return json(c, created ? 201 : 200, toConnectionResponse(stored, expected));
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/connections',
        tag: 'Connections',
        summary: 'List connections',
        query: ListConnectionsQuery,
        responses: { 200: { description: 'Connections, without credentials', schema: ListConnectionsResponse } },
      },
      async ({ query, c }) => {
        const integrations = query.provider_config_key === undefined ? registry.all() : [integrationOf(query.provider_config_key)];
        const list = [];
        for (const integration of integrations) {
          for await (const page of state.connections.list(integration.providerConfigKey)) {
            for (const connection of page) {
              if (query.connectionId !== undefined && connection.connectionId !== query.connectionId) continue;
              if (query.search !== undefined && !connection.connectionId.toLowerCase().includes(query.search.toLowerCase())) continue;
              list.push({
                connection_id: connection.connectionId,
                provider: connection.providerConfigKey,
                provider_config_key: connection.providerConfigKey,
                created: connection.createdAt,
                metadata: connection.metadata,
                errors: connectionErrors(connection),
                end_user: null,
              });
            }
          }
        }
        return json(c, 200, { connections: list });
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/connections/{connectionId}',
        tag: 'Connections',
        summary: 'Get a connection',
        description: 'The connection with its metadata and configuration; credentials are reduced to their type.',
        params: ConnectionPath,
        query: GetConnectionQuery,
        responses: { 200: { description: 'The connection', schema: ConnectionResponse } },
      },
      async ({ params, query, c }) => {
        const connection = await connectionOf(query.provider_config_key, params.connectionId);
        return json(c, 200, toConnectionResponse(connection, credentialsTypeOf(integrationOf(query.provider_config_key).provider.auth.mode)));
      },
    ),

    defineRoute(
      {
        method: 'delete',
        path: '/connections/{connectionId}',
        tag: 'Connections',
        summary: 'Delete a connection',
        description: 'Stops its syncs, removes its own schedules, its sync state and its records.',
        params: ConnectionPath,
        query: DeleteConnectionQuery,
        responses: { 200: { description: 'Deleted', schema: SuccessResponse } },
      },
      async ({ params, query, c }) => {
        const integration = integrationOf(query.provider_config_key);
        await connectionOf(query.provider_config_key, params.connectionId);
        // Per-connection schedules (frequency overrides) would otherwise keep firing for nothing.
        for (const sync of integration.syncs.values()) {
          const key = { providerConfigKey: query.provider_config_key, connectionId: params.connectionId, syncName: sync.name };
          const syncState = await state.connectionSyncs.get(key);
          if (syncState?.lease) await deps.syncline.controls().cancel(key);
          if (syncState?.frequencyOverrideMs != null) await deps.syncline.controls().setFrequency(key, null);
        }
        await connections.delete(query.provider_config_key, params.connectionId);
        return json(c, 200, { success: true });
      },
    ),

    defineRoute(
      {
        method: 'post',
        path: '/connections/metadata',
        tag: 'Connections',
        summary: 'Set connection metadata',
        description: 'Replaces the metadata of one or several connections.',
        body: MetadataBody,
        responses: { 201: { description: 'Set', schema: MetadataResponse } },
      },
      async ({ body, c }) => {
        const ids = [body.connection_id].flat();
        await allConnections(body.provider_config_key, ids);
        for (const id of ids) await state.connections.updateMetadata(body.provider_config_key, id, body.metadata);
        return json(c, 201, body);
      },
    ),

    defineRoute(
      {
        method: 'patch',
        path: '/connections/metadata',
        tag: 'Connections',
        summary: 'Update connection metadata',
        description: 'Merges the given top-level keys into the metadata of one or several connections; other keys are kept.',
        body: MetadataBody,
        responses: { 200: { description: 'Updated', schema: MetadataResponse } },
      },
      async ({ body, c }) => {
        const ids = [body.connection_id].flat();
        const existing = await allConnections(body.provider_config_key, ids);
        // Read-merge-write: a concurrent PATCH of the same connection may lose its keys (as on Nango).
        for (const connection of existing) {
          await state.connections.updateMetadata(body.provider_config_key, connection.connectionId, { ...connection.metadata, ...body.metadata });
        }
        return json(c, 200, body);
      },
    ),
  ];
}

function toCredentials(input: z.output<typeof CredentialsInput>): Credentials {
  switch (input.type) {
    case 'OAUTH2':
      return {
        type: 'OAUTH2',
        accessToken: input.access_token,
        ...(input.refresh_token !== undefined ? { refreshToken: input.refresh_token } : {}),
        ...(input.expires_at !== undefined ? { expiresAt: new Date(input.expires_at).toISOString() } : {}),
      };
    case 'API_KEY':
      return { type: 'API_KEY', apiKey: input.apiKey };
    case 'BASIC':
      return { type: 'BASIC', username: input.username, password: input.password };
    case 'NONE':
      return { type: 'NONE' };
  }
}

/** The only way a connection leaves the API: credentials reduced to their type. */
export function toConnectionResponse(connection: ConnectionInfo, authMode: Credentials['type']): z.output<typeof ConnectionResponse> {
  return {
    connection_id: connection.connectionId,
    provider_config_key: connection.providerConfigKey,
    provider: connection.providerConfigKey,
    errors: connectionErrors(connection),
    end_user: null,
    metadata: connection.metadata,
    connection_config: connection.connectionConfig,
    created_at: connection.createdAt,
    updated_at: connection.updatedAt,
    last_fetched_at: connection.updatedAt,
    credentials: { type: connection.credentialsType ?? authMode },
  };
}

/** The credentials a provider's connections hold: client-credentials tokens are OAuth2 tokens too. */
function credentialsTypeOf(mode: ProviderAuth['mode']): Credentials['type'] {
  return mode === 'OAUTH2_CC' ? 'OAUTH2' : mode;
}

/** Nango's `errors`: an auth error means the end user must authorize the connection again; `log_id` names the run whose log says why. */
function connectionErrors(connection: ConnectionInfo): { type: string; log_id: string }[] {
  return connection.authError ? [{ type: 'auth', log_id: connection.authError.runId ?? '' }] : [];
}
