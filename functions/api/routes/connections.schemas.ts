/**
 * Connections as in Nango's API reference: import (upsert) with credentials, get, list, delete,
 * and connection metadata. Credentials go in and never come out: every answer carries
 * `credentials: {type}` only.
 */
import { z } from 'zod';
import { ConnectionId, IsoDateTime, Metadata, ProviderConfigKey } from '../schemas.js';

const Secret = z.string().min(1).max(8_192);

export const OAuth2CredentialsInput = z
  .object({
    type: z.literal('OAUTH2'),
    access_token: Secret,
    refresh_token: Secret.optional(),
    expires_at: IsoDateTime.optional().meta({ description: "When the access token expires; it is refreshed through the integration's token URL after that" }),
  })
  .strict()
  .meta({ title: 'OAuth2' });

export const ApiKeyCredentialsInput = z
  .object({ type: z.literal('API_KEY'), apiKey: Secret })
  .strict()
  .meta({ title: 'API key' });
export const BasicCredentialsInput = z
  .object({ type: z.literal('BASIC'), username: z.string().max(1_024), password: Secret })
  .strict()
  .meta({ title: 'Basic auth' });
export const NoneCredentialsInput = z
  .object({ type: z.literal('NONE') })
  .strict()
  .meta({ title: 'Unauthenticated' });

export const CredentialsInput = z.discriminatedUnion('type', [OAuth2CredentialsInput, ApiKeyCredentialsInput, BasicCredentialsInput, NoneCredentialsInput]);

export const ImportConnectionBody = z
  .object({
    provider_config_key: ProviderConfigKey,
    connection_id: ConnectionId.optional().meta({ description: 'Generated when omitted' }),
    credentials: CredentialsInput,
    metadata: Metadata.optional(),
    connection_config: Metadata.optional().meta({ description: "Non-secret configuration, e.g. a subdomain the provider's base URL uses" }),
  })
  .strict();

export const ConnectionResponse = z.object({
  connection_id: z.string(),
  provider_config_key: z.string(),
  provider: z.string(),
  errors: z.array(z.object({ type: z.string(), log_id: z.string() })),
  end_user: z.null(),
  metadata: Metadata,
  connection_config: Metadata,
  created_at: z.string(),
  updated_at: z.string(),
  last_fetched_at: z.string(),
  credentials: z.object({ type: z.enum(['OAUTH2', 'API_KEY', 'BASIC', 'NONE']) }).meta({ description: 'The credential type only: secrets are never returned' }),
});

export const ListConnectionsQuery = z
  .object({
    provider_config_key: ProviderConfigKey.optional().meta({ description: "Only this integration's connections" }),
    connectionId: ConnectionId.optional().meta({ description: 'Exact connection ID' }),
    search: z.string().min(1).max(255).optional().meta({ description: 'Part of a connection ID' }),
  })
  .strict();

export const ConnectionListItem = z.object({
  connection_id: z.string(),
  provider: z.string(),
  provider_config_key: z.string(),
  created: z.string(),
  metadata: Metadata,
  errors: z.array(z.object({ type: z.string(), log_id: z.string() })),
  end_user: z.null(),
});
export const ListConnectionsResponse = z.object({ connections: z.array(ConnectionListItem) });

export const ConnectionPath = z.object({ connectionId: ConnectionId }).strict();

export const GetConnectionQuery = z
  .object({
    provider_config_key: ProviderConfigKey,
    force_refresh: z.enum(['true', 'false']).optional().meta({ description: 'Accepted for compatibility; credentials are never returned' }),
    refresh_token: z.enum(['true', 'false']).optional().meta({ description: 'Accepted for compatibility; credentials are never returned' }),
  })
  .strict();

export const DeleteConnectionQuery = z.object({ provider_config_key: ProviderConfigKey }).strict();

export const MetadataBody = z
  .object({
    connection_id: z.union([ConnectionId, z.array(ConnectionId).min(1).max(100)]).meta({ description: 'One connection ID, or several: if one is unknown nothing is changed' }),
    provider_config_key: ProviderConfigKey,
    metadata: Metadata,
  })
  .strict();

export const MetadataResponse = MetadataBody;
