/** Bodies and answers of the connect-session routes, field for field Nango's (`docs/spec.yaml`, `controllers/connect/`). */
import * as z from 'zod';
import { ConnectionTagsSchema, EndUserInput } from '../../engine/connection-tags.js';
import { ConnectionId, IsoDateTime, ProviderConfigKey } from '../schemas.js';

const IntegrationDefaults = z
  .object({
    user_scopes: z.string().optional().meta({ description: 'User scopes (Slack\u2019s `user_scope`); comma-separated' }),
    authorization_params: z.record(z.string(), z.string()).optional().meta({ description: 'Extra query parameters of the provider\u2019s authorization URL (OAuth2)' }),
    connection_config: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: 'Connection-config values fixed for the end user (not asked for), e.g. `subdomain`; `oauth_scopes_override` replaces the integration\u2019s scopes' }),
  })
  .strict();

const Organization = z
  .object({ id: z.string().max(255), display_name: z.string().max(255).optional() })
  .strict()
  .meta({ deprecated: true, description: 'Deprecated: use tags. Mapped to the tags organization_id and organization_display_name' });

const Overrides = z
  .record(ProviderConfigKey, z.object({ docs_connect: z.url().optional() }).strict())
  .meta({ description: 'Per integration: `docs_connect`, the documentation link the connect page shows' });

const SessionFields = {
  tags: ConnectionTagsSchema.optional(),
  end_user: EndUserInput.optional(),
  organization: Organization.optional(),
  integrations_config_defaults: z.record(ProviderConfigKey, IntegrationDefaults).optional(),
  overrides: Overrides.optional(),
  webhook_url_override: z.url().optional().meta({ description: 'Not supported: webhooks go to the webhook subscriptions. A 400 when set' }),
};

export const CreateSessionBody = z
  .object({
    ...SessionFields,
    allowed_integrations: z.array(ProviderConfigKey).max(100).optional().meta({ description: 'The integrations the end user may connect; default all' }),
  })
  .strict();

export const ReconnectSessionBody = z
  .object({
    connection_id: ConnectionId,
    integration_id: ProviderConfigKey,
    ...SessionFields,
  })
  .strict();

export type SessionInput = z.output<typeof CreateSessionBody> | z.output<typeof ReconnectSessionBody>;

export const SessionCreatedResponse = z.object({
  data: z.object({
    token: z.string().meta({ description: 'The connect session token (`nango_connect_session_…`), valid 30 minutes' }),
    connect_link: z.url().meta({ description: 'The hosted connect page for this session; usable as a magic link' }),
    expires_at: IsoDateTime,
  }),
});

const ConfigField = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  pattern: z.string().nullable(),
  example: z.string().nullable(),
  optional: z.boolean(),
});

const SessionIntegration = z.object({
  unique_key: ProviderConfigKey,
  display_name: z.string(),
  provider: z.string(),
  auth_mode: z.enum(['OAUTH2', 'OAUTH2_CC', 'API_KEY', 'BASIC', 'NONE']),
  logo: z.string().nullable().meta({ description: 'Always null: the catalog has no logos (the page shows an initial)' }),
  docs: z.string().nullable(),
  connection_config: z.array(ConfigField).meta({ description: 'The connection-config fields the end user fills in (those fixed by the session left out)' }),
});

export const GetSessionResponse = z.object({
  data: z.object({
    endUser: z
      .object({
        id: z.string(),
        display_name: z.string().nullable(),
        email: z.string().nullable(),
        tags: z.null(),
        organization: z.object({ id: z.string(), display_name: z.string().nullable() }).nullable(),
      })
      .nullable(),
    tags: z.record(z.string(), z.string()),
    connectUISettings: z.object({ showWatermark: z.boolean(), defaultTheme: z.enum(['light', 'dark', 'system']) }),
    allowed_integrations: z.array(z.string()).optional(),
    integrations_config_defaults: z
      .record(z.string(), z.object({ connection_config: z.record(z.string(), z.string()).optional(), authorization_params: z.record(z.string(), z.string()).optional() }))
      .optional(),
    isReconnecting: z.literal(true).optional(),
    expires_at: IsoDateTime,
    integrations: z.array(SessionIntegration).meta({ description: 'Syncline: what the hosted connect page shows, one entry per integration the session allows' }),
  }),
});
