/**
 * Connections, as Nango's API reference has them: import (create or replace) with credentials,
 * list with filters and pages, get, edit (tags), delete, and metadata (`connections.metadata.ts`);
 * with the deprecated `/connection…` paths Nango's older clients call, served by the same
 * handlers. Credentials leave the API only from `GET /connections/{id}`, only for a key with the
 * `full` scope, and every such read is logged with the key's id (never the secret).
 */
import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import type { Connection, Credentials } from '../../engine/connection.js';
import { mergeEndUserTags, type ConnectionTags, type EndUser } from '../../engine/connection-tags.js';
import { currentCredentials } from '../../engine/credentials.js';
import { NotFoundError } from '../../engine/errors.js';
import type { ConnectionInfo } from '../../engine/ports.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, ErrorResponseSchema, invalidRequest } from '../errors.js';
import { type ApiRoute, defineRoute, json } from '../route.js';
import { iso, SuccessResponse } from '../schemas.js';
import { canReadSecrets } from '../scopes.js';
import { connectionLookups, credentialsTypeOf } from './connections.lookup.js';
import { connectionMetadataRoutes } from './connections.metadata.js';
import {
  ConnectionPath,
  ConnectionResponse,
  type CredentialsInput,
  DEFAULT_LIST_LIMIT,
  GetConnectionQuery,
  ImportConnectionBody,
  ListConnectionsQuery,
  ListConnectionsResponse,
  PatchConnectionBody,
  ProviderConfigKeyQuery,
} from './connections.schemas.js';
import { matchesListQuery, newestFirst, toConnectionResponse, toListItem } from './connections.views.js';

export function connectionsRoutes(deps: ApiDeps): ApiRoute[] {
  const { registry, state, connections } = deps.syncline;
  const { integrationOf, connectionOf } = connectionLookups(deps);

  const importConnection = defineRoute(
    {
      method: 'post',
      path: '/connections',
      tag: 'Connections',
      summary: 'Import a connection',
      description: 'Creates (201) or replaces (200) a connection with credentials you already have. A new connection starts its auto-start syncs. The answer gives the credentials type only.',
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
      refuseUnsupported(body);
      const tags = tagsOf(body.end_user, body.tags);
      const now = iso(deps.clock.now());
      const connection: Connection = {
        providerConfigKey: body.provider_config_key,
        connectionId: body.connection_id ?? randomUUID(),
        credentials: toCredentials(body.credentials),
        metadata: body.metadata ?? {},
        connectionConfig: body.connection_config ?? {},
        ...(tags ? { tags } : {}),
        createdAt: now,
        updatedAt: now,
      };
      const { created } = await connections.upsert(connection);
      const stored = await connectionOf(connection.providerConfigKey, connection.connectionId);
      return json(c, created ? 201 : 200, toConnectionResponse(stored, integration.providerName, { type: stored.credentialsType ?? expected }));
    },
  );

  const list = (path: string, deprecated: boolean) =>
    defineRoute(
      {
        method: 'get',
        path,
        tag: 'Connections',
        summary: deprecated ? 'List connections (deprecated path)' : 'List connections',
        description: 'Connections without credentials, newest first. Filters combine (all must match); `limit` and `page` (from 0) page through them.',
        deprecated,
        query: ListConnectionsQuery,
        responses: { 200: { description: 'Connections, without credentials', schema: ListConnectionsResponse } },
      },
      async ({ query, c }) => {
        const wanted = query.integrationId && new Set(query.integrationId);
        // Unknown integration ids filter everything out, as on Nango, rather than failing.
        const integrations = registry
          .all()
          .filter((i) => (!wanted || wanted.has(i.providerConfigKey)) && (query.provider_config_key === undefined || i.providerConfigKey === query.provider_config_key));
        const found: ConnectionInfo[] = [];
        for (const integration of integrations) {
          // A named connection is one item per integration: read it, not the whole partition.
          if (query.connectionId !== undefined) {
            const one = await state.connections.find(integration.providerConfigKey, query.connectionId);
            if (one && matchesListQuery(one, query)) found.push(one);
            continue;
          }
          for await (const page of state.connections.list(integration.providerConfigKey)) found.push(...page.filter((connection) => matchesListQuery(connection, query)));
        }
        const limit = query.limit ?? DEFAULT_LIST_LIMIT;
        const start = (query.page ?? 0) * limit;
        const providerNames = new Map(integrations.map((i) => [i.providerConfigKey, i.providerName]));
        const page = found.sort(newestFirst).slice(start, start + limit);
        return json(c, 200, { connections: page.map((connection) => toListItem(connection, providerNames.get(connection.providerConfigKey)!)) });
      },
    );

  const get = (path: string, deprecated: boolean) =>
    defineRoute(
      {
        method: 'get',
        path,
        tag: 'Connections',
        summary: deprecated ? 'Get a connection (deprecated path)' : 'Get a connection',
        description:
          'The connection with its metadata, configuration and tags. With a full-scope key, its credentials as Nango returns them (an OAuth2 token refreshed first when it is about to expire, or with force_refresh=true; 424 when that refresh fails); any other key gets the credentials type only, and a 403 for force_refresh or refresh_token.',
        deprecated,
        params: ConnectionPath,
        query: GetConnectionQuery,
        responses: {
          200: { description: 'The connection', schema: ConnectionResponse },
          424: { description: 'The token could not be refreshed (error code invalid_credentials, with the reason)', schema: ErrorResponseSchema },
        },
      },
      async ({ params, query, c }) => {
        const integration = integrationOf(query.provider_config_key);
        const key = c.get('apiKey');
        const force = query.force_refresh === 'true';
        const includeRefreshToken = query.refresh_token === 'true';
        if (!canReadSecrets(key) || query.credentials === 'false') {
          // As Nango: credential options need the credentials scope; without them the answer simply has no secret.
          if (!canReadSecrets(key) && (force || includeRefreshToken || query.refresh_github_app_jwt_token === 'true')) {
            throw new ApiError(403, 'forbidden', 'force_refresh, refresh_token and refresh_github_app_jwt_token need an API key with the full scope');
          }
          const connection = await connectionOf(query.provider_config_key, params.connectionId);
          return json(c, 200, toConnectionResponse(connection, integration.providerName, { type: connection.credentialsType ?? credentialsTypeOf(integration.provider.auth.mode) }));
        }
        const credentialsDeps = { connections: state.connections, integrations: state.integrations, clock: deps.clock, allowLoopbackHttp: deps.allowLoopbackTokenUrl ?? false };
        const connection = await currentCredentials(credentialsDeps, integration, params.connectionId, { force });
        if (!connection) throw new NotFoundError(`unknown connection "${params.connectionId}" for integration "${query.provider_config_key}"`);
        deps.logger.log('info', `the credentials of connection "${params.connectionId}" (integration "${query.provider_config_key}") were read`, {
          requestId: c.get('requestId'),
          apiKeyId: key?.id,
          providerConfigKey: query.provider_config_key,
          connectionId: params.connectionId,
          forceRefresh: force,
          refreshToken: includeRefreshToken,
        });
        const { credentials, ...rest } = connection;
        const info: ConnectionInfo = { ...rest, credentialsType: credentials.type };
        return json(c, 200, toConnectionResponse(info, integration.providerName, { full: credentials, includeRefreshToken }));
      },
    );

  const edit = defineRoute(
    {
      method: 'patch',
      path: '/connections/{connectionId}',
      tag: 'Connections',
      summary: 'Edit a connection',
      description: 'Replaces its tags (the deprecated end_user is mapped to tags; explicit tags win). webhook_url_override is accepted only empty: per-connection webhook URLs are not supported.',
      params: ConnectionPath,
      query: ProviderConfigKeyQuery,
      body: PatchConnectionBody,
      responses: { 200: { description: 'Updated', schema: SuccessResponse } },
    },
    async ({ params, query, body, c }) => {
      await connectionOf(query.provider_config_key, params.connectionId);
      refuseUnsupported(body);
      const tags = tagsOf(body.end_user, body.tags);
      if (tags) await state.connections.updateTags(query.provider_config_key, params.connectionId, tags);
      return json(c, 200, { success: true });
    },
  );

  const remove = (path: string, deprecated: boolean) =>
    defineRoute(
      {
        method: 'delete',
        path,
        tag: 'Connections',
        summary: deprecated ? 'Delete a connection (deprecated path)' : 'Delete a connection',
        description: 'Stops its syncs, removes its own schedules, its sync state and its records.',
        deprecated,
        params: ConnectionPath,
        query: ProviderConfigKeyQuery,
        responses: { 200: { description: 'Deleted', schema: SuccessResponse } },
      },
      async ({ params, query, c }) => {
        // Its syncs' runs, per-connection schedules, state and records (every variant) go with it.
        await connections.delete(query.provider_config_key, params.connectionId);
        return json(c, 200, { success: true });
      },
    );

  // Static paths before `{connectionId}` ones: the first route registered for a path wins.
  return [
    importConnection,
    list('/connections', false),
    ...connectionMetadataRoutes(deps),
    get('/connections/{connectionId}', false),
    edit,
    remove('/connections/{connectionId}', false),
    list('/connection', true),
    get('/connection/{connectionId}', true),
    remove('/connection/{connectionId}', true),
  ];
}

/** Tags from the body: explicit ones over those the deprecated `end_user` maps to; undefined when the body gives neither. */
function tagsOf(endUser: EndUser | undefined, tags: ConnectionTags | undefined): ConnectionTags | undefined {
  if (endUser === undefined && tags === undefined) return undefined;
  const merged = mergeEndUserTags(endUser, tags);
  if (!merged.success) throw invalidRequest('body.tags', merged.error);
  return merged.data;
}

/** Fields Nango takes that Syncline cannot honour: accepted when they ask for nothing, refused otherwise. */
function refuseUnsupported(body: { webhook_url_override?: string | undefined; credentials?: z.output<typeof CredentialsInput> }): void {
  if (body.webhook_url_override) {
    throw new ApiError(400, 'not_supported', 'webhook_url_override is not supported: webhooks go to the subscriptions of /webhooks/subscriptions; send "" or leave it out', [
      { path: 'body.webhook_url_override', message: 'not supported' },
    ]);
  }
  const override = body.credentials?.type === 'OAUTH2' ? body.credentials.config_override : undefined;
  if (override && (override.client_id !== undefined || override.client_secret !== undefined)) {
    throw new ApiError(400, 'not_supported', "credentials.config_override is not supported: tokens are refreshed with the integration's OAuth app (configure it with /integrations)", [
      { path: 'body.credentials.config_override', message: 'not supported' },
    ]);
  }
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
