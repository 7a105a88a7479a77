/**
 * Connections as in Nango's API reference: import (upsert) with credentials, get (with the
 * credentials, for a full key), list with filters, edit (tags), delete, and connection metadata;
 * plus the deprecated `/connection…` forms Nango still serves. Field names, limits and defaults
 * follow Nango's spec and server validation.
 */
import * as z from 'zod';
import { ConnectionTagKey, ConnectionTagsSchema, ConnectionTagValue, EndUserInput } from '../../engine/connection-tags.js';
import { deepObjectParam, listParam } from '../route.js';
import { ConnectionId, IsoDateTime, Metadata, ProviderConfigKey } from '../schemas.js';

const Secret = z.string().min(1).max(8_192);

export const OAuth2CredentialsInput = z
  .object({
    type: z.literal('OAUTH2'),
    access_token: Secret,
    refresh_token: Secret.optional(),
    expires_at: IsoDateTime.optional().meta({ description: "When the access token expires; it is refreshed through the integration's token URL after that" }),
    config_override: z
      .object({ client_id: z.string().min(1).max(255).optional(), client_secret: z.string().min(1).max(2_048).optional() })
      .strict()
      .optional()
      .meta({ description: "Accepted for Nango compatibility, refused when not empty: tokens are refreshed with the integration's OAuth app" }),
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

const WebhookUrlOverride = z
  .union([z.url({ protocol: /^https?$/ }).max(2_048), z.literal('')])
  .optional()
  .meta({ description: 'Accepted for Nango compatibility: an empty string (no override) is fine; a URL is refused, per-connection webhook URLs are not supported' });

export const ImportConnectionBody = z
  .object({
    provider_config_key: ProviderConfigKey,
    connection_id: ConnectionId.optional().meta({ description: 'Generated when omitted' }),
    credentials: CredentialsInput,
    metadata: Metadata.optional(),
    connection_config: Metadata.optional().meta({
      description:
        "Non-secret configuration, e.g. a subdomain the provider's base URL uses. A field the provider declares (its connection_config in GET /providers/{provider}) must be a string matching the field's pattern when given: 400 invalid_request naming body.connection_config.<field> otherwise",
    }),
    tags: ConnectionTagsSchema.optional().meta({ description: 'Connection tags; a replaced connection keeps its tags when none are given' }),
    end_user: EndUserInput.optional(),
    webhook_url_override: WebhookUrlOverride,
  })
  .strict();

export const ConnectionErrorSchema = z.object({ type: z.string().meta({ description: 'auth: the end user must authorize again' }), log_id: z.string() });

export const ConnectionEndUserSchema = z
  .object({
    id: z.string(),
    email: z.string().nullable(),
    display_name: z.string().nullable(),
    tags: z.null(),
    organization: z.object({ id: z.string(), display_name: z.string().nullable() }).nullable(),
  })
  .nullable()
  .meta({
    deprecated: true,
    description: 'Deprecated: derived from the tags end_user_id, end_user_email, end_user_display_name, organization_id, organization_display_name; null without end_user_id',
  });

export const TagsOutput = z.record(z.string(), z.string());

const Id = z.number().int().positive().meta({ description: "A stable number derived from the integration and connection ids (Nango's is its database id)" });

const OAuth2CredentialsOutput = z
  .object({
    type: z.literal('OAUTH2'),
    access_token: z.string(),
    refresh_token: z.string().optional().meta({ description: 'Only with refresh_token=true' }),
    expires_at: z.string().optional(),
    raw: z.record(z.string(), z.unknown()).meta({ description: 'The token response as the provider sent it (refresh tokens removed unless refresh_token=true)' }),
  })
  .meta({ title: 'OAuth2' });
const ApiKeyCredentialsOutput = z.object({ type: z.literal('API_KEY'), apiKey: z.string() }).meta({ title: 'API key' });
const BasicCredentialsOutput = z.object({ type: z.literal('BASIC'), username: z.string(), password: z.string() }).meta({ title: 'Basic auth' });
const RedactedCredentials = z
  .object({ type: z.enum(['OAUTH2', 'API_KEY', 'BASIC', 'NONE']) })
  .meta({ title: 'Type only', description: 'What every answer but a full-scope key reading one connection gets: the type, no secret' });

export const CredentialsOutput = z.union([OAuth2CredentialsOutput, ApiKeyCredentialsOutput, BasicCredentialsOutput, RedactedCredentials]);

/** Nango's `ConnectionFull`. */
export const ConnectionResponse = z.object({
  id: Id,
  connection_id: z.string(),
  provider_config_key: z.string(),
  provider: z.string().meta({ description: "The provider's catalog name" }),
  errors: z.array(ConnectionErrorSchema),
  end_user: ConnectionEndUserSchema,
  metadata: Metadata,
  connection_config: Metadata,
  tags: TagsOutput,
  webhook_url_override: z.null(),
  created_at: z.string(),
  updated_at: z.string(),
  last_fetched_at: z.string(),
  credentials: CredentialsOutput.meta({
    description: 'With a full-scope API key, the credentials as Nango returns them; otherwise (and on import) the type only',
  }),
});

/** What `tags[key]=value` filters on: keys lower-cased like stored tags, all must match. */
const TagsFilter = z
  .record(ConnectionTagKey, ConnectionTagValue)
  .transform((tags) => Object.fromEntries(Object.entries(tags).map(([key, value]) => [key.toLowerCase(), value])))
  .meta({ description: 'tags[key]=value: only connections with all these tags' });

/** A whole number in a query string: digits only, so an empty or blank value is not read as 0. */
const queryInteger = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const MAX_LIST_LIMIT = 2_000;
/** Nango's answer when no limit is given: effectively every connection. */
export const DEFAULT_LIST_LIMIT = 10_000;

export const ListConnectionsQuery = z.object({
  connectionId: ConnectionId.optional().meta({ description: 'Exact connection ID (it may exist on several integrations)' }),
  search: z.string().min(1).max(255).optional().meta({ description: 'Part of a connection ID or of a tag value, any case' }),
  integrationId: listParam(ProviderConfigKey, { commaSeparated: true, max: 100 }).optional().meta({ description: "Only these integrations' connections (comma list or repeated)" }),
  provider_config_key: ProviderConfigKey.optional().meta({ deprecated: true, description: 'Deprecated: use integrationId' }),
  endUserId: z.string().min(1).max(255).optional().meta({ deprecated: true, description: 'Deprecated: same as tags[end_user_id]' }),
  endUserOrganizationId: z.string().min(1).max(255).optional().meta({ deprecated: true, description: 'Deprecated: same as tags[organization_id]' }),
  tags: deepObjectParam(TagsFilter),
  limit: queryInteger(1, MAX_LIST_LIMIT)
    .optional()
    .meta({ description: `Page size, at most ${MAX_LIST_LIMIT}; without it, up to ${DEFAULT_LIST_LIMIT} connections` }),
  page: queryInteger(0, 1_000_000).optional().meta({ description: 'Page number, from 0 (newest connections first)' }),
});

export const ConnectionListItem = z.object({
  id: Id,
  connection_id: z.string(),
  provider: z.string(),
  provider_config_key: z.string(),
  created: z.string(),
  metadata: Metadata,
  tags: TagsOutput,
  errors: z.array(ConnectionErrorSchema),
  end_user: ConnectionEndUserSchema,
});
export const ListConnectionsResponse = z.object({ connections: z.array(ConnectionListItem) });

export const ConnectionPath = z.object({ connectionId: ConnectionId }).strict();

const StringBool = z.enum(['true', 'false']).optional();

export const GetConnectionQuery = z.object({
  provider_config_key: ProviderConfigKey,
  force_refresh: StringBool.meta({ description: 'true: refresh an OAuth2 token first, whatever its expiry (full-scope keys only)' }),
  refresh_token: StringBool.meta({ description: 'true: include the refresh token (full-scope keys only)' }),
  refresh_github_app_jwt_token: StringBool.meta({ description: 'Accepted for compatibility; there are no GitHub App connections' }),
  credentials: StringBool.meta({
    description:
      'Syncline extra: false reads the connection without its credentials (the type only), for any key: nothing is decrypted, refreshed or logged as a credentials read (the console uses it)',
  }),
});

export const ProviderConfigKeyQuery = z.object({ provider_config_key: ProviderConfigKey });

export const PatchConnectionBody = z
  .object({
    tags: ConnectionTagsSchema.optional().meta({ description: 'Replaces all tags; {} removes them' }),
    end_user: EndUserInput.optional(),
    webhook_url_override: WebhookUrlOverride,
  })
  .strict();

export const MetadataBody = z
  .object({
    connection_id: z.union([ConnectionId, z.array(ConnectionId).min(1).max(100)]).meta({ description: 'One connection ID, or several: if one is unknown nothing is changed' }),
    provider_config_key: ProviderConfigKey,
    metadata: Metadata,
  })
  .strict();

export const MetadataResponse = MetadataBody;

/** The deprecated `/connection/{connectionId}/metadata`: the integration in a header (or the query), the body is the metadata. */
export const LegacyMetadataHeaders = z.object({ 'Provider-Config-Key': ProviderConfigKey.optional() });
export const LegacyMetadataQuery = z.object({ provider_config_key: ProviderConfigKey.optional() });
