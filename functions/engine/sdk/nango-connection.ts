/**
 * The connection as a Nango script sees it (`await nango.getConnection()`): Nango's public
 * shape, snake_case, with the credentials in Nango's field names — scripts read
 * `connection.connection_config.tenant_id` or `connection.credentials.access_token`.
 */
import type { Connection } from '../connection.js';

export type NangoCredentials =
  | { type: 'OAUTH2'; access_token: string; refresh_token?: string; expires_at?: Date; raw: Record<string, unknown> }
  | { type: 'API_KEY'; apiKey: string }
  | { type: 'BASIC'; username: string; password: string }
  | { type: 'NONE' };

export interface NangoConnection {
  connection_id: string;
  provider_config_key: string;
  /** The provider's catalog name. */
  provider: string;
  connection_config: Record<string, any>;
  metadata: Record<string, any> | null;
  credentials: NangoCredentials;
  created_at: string;
  updated_at: string;
}

export function toNangoConnection(connection: Connection, provider: string): NangoConnection {
  return structuredClone({
    connection_id: connection.connectionId,
    provider_config_key: connection.providerConfigKey,
    provider,
    connection_config: connection.connectionConfig,
    metadata: connection.metadata,
    credentials: toNangoCredentials(connection.credentials),
    created_at: connection.createdAt,
    updated_at: connection.updatedAt,
  });
}

export function toNangoCredentials(credentials: Connection['credentials']): NangoCredentials {
  switch (credentials.type) {
    case 'OAUTH2':
      return {
        type: 'OAUTH2',
        access_token: credentials.accessToken,
        ...(credentials.refreshToken ? { refresh_token: credentials.refreshToken } : {}),
        ...(credentials.expiresAt ? { expires_at: new Date(credentials.expiresAt) } : {}),
        raw: credentials.raw ?? {},
      };
    case 'API_KEY':
      return { type: 'API_KEY', apiKey: credentials.apiKey };
    case 'BASIC':
      return { type: 'BASIC', username: credentials.username, password: credentials.password };
    case 'NONE':
      return { type: 'NONE' };
  }
}
