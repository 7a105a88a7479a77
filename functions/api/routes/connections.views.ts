/**
 * How a connection leaves the API, in Nango's shapes: `ConnectionFull` for one connection, the
 * list item for `GET /connections`, and the credentials (Nango's `AllAuthCredentials`) only when
 * the route was told the caller may read them. Also the list filters, so the route reads as
 * the contract.
 */
import { createHash } from 'node:crypto';
import type * as z from 'zod';
import type { Credentials } from '../../engine/connection.js';
import { endUserFromTags } from '../../engine/connection-tags.js';
import type { ConnectionInfo } from '../../engine/ports.js';
import type { ConnectionListItem, ConnectionResponse, CredentialsOutput, ListConnectionsQuery } from './connections.schemas.js';

/**
 * Nango's connection `id` is its database's integer; Syncline has none, so the id is the first
 * 31 bits of SHA-256 over the integration and connection ids: stable, positive, and the same
 * in every process. Two connections may share one (about 1 in 2 billion per pair); clients that
 * need a key should use (provider_config_key, connection_id), as Nango's API does.
 */
export function connectionNumericId(providerConfigKey: string, connectionId: string): number {
  const digest = createHash('sha256').update(`${providerConfigKey}\n${connectionId}`, 'utf8').digest();
  return digest.readUInt32BE(0) >>> 1 || 1;
}

/** Nango's `errors`: an auth error means the end user must authorize the connection again; `log_id` names the run whose log says why. */
export function connectionErrors(connection: ConnectionInfo): { type: string; log_id: string }[] {
  return connection.authError ? [{ type: 'auth', log_id: connection.authError.runId ?? '' }] : [];
}

export function toListItem(connection: ConnectionInfo, providerName: string): z.output<typeof ConnectionListItem> {
  const tags = connection.tags ?? {};
  return {
    id: connectionNumericId(connection.providerConfigKey, connection.connectionId),
    connection_id: connection.connectionId,
    provider: providerName,
    provider_config_key: connection.providerConfigKey,
    created: connection.createdAt,
    metadata: connection.metadata,
    tags,
    errors: connectionErrors(connection),
    end_user: endUserFromTags(tags),
  };
}

/**
 * One connection. `credentials` are the decrypted ones only when the caller may read them (a
 * full-scope key on `GET /connections/{id}`); every other answer gets the type alone.
 */
export function toConnectionResponse(
  connection: ConnectionInfo,
  providerName: string,
  credentials: { full: Credentials; includeRefreshToken: boolean } | { type: Credentials['type'] },
): z.output<typeof ConnectionResponse> {
  const tags = connection.tags ?? {};
  return {
    id: connectionNumericId(connection.providerConfigKey, connection.connectionId),
    connection_id: connection.connectionId,
    provider_config_key: connection.providerConfigKey,
    provider: providerName,
    errors: connectionErrors(connection),
    end_user: endUserFromTags(tags),
    metadata: connection.metadata,
    connection_config: connection.connectionConfig,
    tags,
    webhook_url_override: null,
    created_at: connection.createdAt,
    updated_at: connection.updatedAt,
    last_fetched_at: connection.updatedAt,
    credentials: 'full' in credentials ? credentialsOutput(credentials.full, credentials.includeRefreshToken) : { type: credentials.type },
  };
}

/** Nango's `AllAuthCredentials` for the kinds Syncline stores. */
function credentialsOutput(credentials: Credentials, includeRefreshToken: boolean): z.output<typeof CredentialsOutput> {
  switch (credentials.type) {
    case 'OAUTH2': {
      const raw = credentials.raw ?? {};
      return {
        type: 'OAUTH2',
        access_token: credentials.accessToken,
        ...(includeRefreshToken && credentials.refreshToken !== undefined ? { refresh_token: credentials.refreshToken } : {}),
        ...(credentials.expiresAt !== undefined ? { expires_at: credentials.expiresAt } : {}),
        raw: includeRefreshToken ? raw : withoutRefreshTokens(raw),
      };
    }
    case 'API_KEY':
      return { type: 'API_KEY', apiKey: credentials.apiKey };
    case 'BASIC':
      return { type: 'BASIC', username: credentials.username, password: credentials.password };
    case 'NONE':
      return { type: 'NONE' };
  }
}

/** Every `refresh_token` / `refreshToken` / `refresh-token` key, at any depth (as Nango strips them). */
function withoutRefreshTokens<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutRefreshTokens) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key.replace(/[^a-z]/gi, '').toLowerCase() !== 'refreshtoken')
      .map(([key, child]) => [key, withoutRefreshTokens(child)]),
  ) as T;
}

/** Whether a connection passes `GET /connections`' filters (the integration filter is applied by what is read). */
export function matchesListQuery(connection: ConnectionInfo, query: z.output<typeof ListConnectionsQuery>): boolean {
  const tags = connection.tags ?? {};
  if (query.connectionId !== undefined && connection.connectionId !== query.connectionId) return false;
  if (query.endUserId !== undefined && tags['end_user_id'] !== query.endUserId) return false;
  if (query.endUserOrganizationId !== undefined && tags['organization_id'] !== query.endUserOrganizationId) return false;
  for (const [key, value] of Object.entries(query.tags ?? {})) if (tags[key] !== value) return false;
  if (query.search !== undefined) {
    const needle = query.search.toLowerCase();
    const haystack = [connection.connectionId, ...Object.values(tags)];
    if (!haystack.some((text) => text.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/** Nango's order, newest first; ties broken by the ids, so pages neither overlap nor skip. */
export function newestFirst(a: ConnectionInfo, b: ConnectionInfo): number {
  return b.createdAt.localeCompare(a.createdAt) || a.providerConfigKey.localeCompare(b.providerConfigKey) || a.connectionId.localeCompare(b.connectionId);
}
