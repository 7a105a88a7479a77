/** The provider catalog as Nango's API serves it (`{data: …}`, snake_case); no entry holds a secret. */
import * as z from 'zod';

export const ProviderSchemaOut = z.object({
  name: z.string(),
  display_name: z.string(),
  auth_mode: z.enum(['OAUTH2', 'OAUTH2_CC', 'API_KEY', 'BASIC', 'NONE']),
  categories: z.array(z.string()),
  docs: z.string(),
  authorization_url: z.string().optional(),
  token_url: z.string().optional(),
  refresh_url: z.string().optional(),
  default_scopes: z.array(z.string()).optional(),
  scope_separator: z.string().optional(),
  authorization_params: z.record(z.string(), z.string()).optional(),
  token_request_auth_method: z.enum(['body', 'basic']).optional(),
  pkce: z.boolean().optional(),
  token_response_metadata: z.array(z.string()).optional().meta({ description: 'Token-response fields kept in the connection config' }),
  proxy: z.object({
    base_url: z.string(),
    headers: z.record(z.string(), z.string()),
    query: z.record(z.string(), z.string()),
    retry: z.object({ statuses: z.array(z.number()), remaining_header: z.string().optional(), wait_header: z.string().optional(), wait_format: z.string().optional() }),
    paginate: z.record(z.string(), z.unknown()).optional(),
  }),
  connection_config: z.record(z.string(), z.object({ title: z.string(), description: z.string().optional(), pattern: z.string().optional(), example: z.string().optional(), optional: z.boolean() })),
});

export const ProvidersResponse = z.object({ data: z.array(ProviderSchemaOut) });
export const ProviderResponse = z.object({ data: ProviderSchemaOut });
export const ProviderPath = z.object({ provider: z.string().min(1).max(100) }).strict();
