/**
 * Integrations, Nango-compatible: code declares an integration's syncs; its OAuth app (client
 * id, secret, scopes) is runtime configuration set here, stored sealed like connection
 * credentials and returned only with `include=credentials`. An integration may also exist here
 * alone, without syncs (auth only), as on Nango.
 */
import type * as z from 'zod';
import { ConflictError, NotFoundError } from '../../engine/errors.js';
import type { IntegrationConfig, IntegrationConfigInfo, IntegrationCredentials } from '../../engine/ports.js';
import { findProvider } from '../../engine/providers/catalog.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { defineRoute, json, type ApiRoute } from '../route.js';
import { SuccessResponse } from '../schemas.js';
import { canReadSecrets } from '../scopes.js';
import {
  CreateIntegrationBody,
  GetIntegrationQuery,
  type IntegrationCredentialsInput,
  IntegrationPath,
  IntegrationResponse,
  type IntegrationSchema,
  IntegrationsResponse,
  UpdateIntegrationBody,
} from './integrations.schemas.js';

export function integrationsRoutes(deps: ApiDeps): ApiRoute[] {
  const { registry, state } = deps.syncline;
  const now = () => new Date(deps.clock.now()).toISOString();

  const view = (key: string, config: IntegrationConfigInfo | null): z.output<typeof IntegrationSchema> => {
    const code = registry.get(key);
    return {
      unique_key: key,
      provider: config?.provider ?? code?.providerName ?? key,
      display_name: config?.displayName ?? code?.provider.displayName ?? key,
      created_at: config?.createdAt ?? null,
      updated_at: config?.updatedAt ?? null,
      syncs: code ? [...code.syncs.keys()] : [],
    };
  };
  /** Stores a configuration and answers with it as listed (no secret). */
  const save = async (config: IntegrationConfig) => {
    await state.integrations.put(config);
    return view(config.uniqueKey, await state.integrations.find(config.uniqueKey));
  };
  const exists = async (key: string) => {
    const config = await state.integrations.find(key);
    if (!config && !registry.get(key)) throw new NotFoundError(`unknown integration "${key}"`);
    return config;
  };
  /** The provider a configuration names must be one the code agrees with and the catalog knows. */
  const checkProvider = (key: string, provider: string, path: string) => {
    const declared = registry.get(key)?.providerName;
    if (declared !== undefined && declared !== provider)
      throw new ApiError(400, 'invalid_body', `integration "${key}" is declared in code with provider "${declared}"`, [{ path, message: `expected ${declared}` }]);
    if (declared === undefined && !findProvider(provider))
      throw new ApiError(400, 'invalid_body', `"${provider}" is not in the provider catalog (GET /providers)`, [{ path, message: 'unknown provider' }]);
  };

  return [
    defineRoute(
      {
        method: 'get',
        path: '/integrations',
        tag: 'Integrations',
        summary: 'List integrations',
        description: 'Integrations declared in code and configured at runtime; never a secret.',
        responses: { 200: { description: 'Integrations', schema: IntegrationsResponse } },
      },
      async ({ c }) => {
        const configs = new Map((await state.integrations.list()).map((config) => [config.uniqueKey, config]));
        const keys = [...new Set([...registry.all().map((i) => i.providerConfigKey), ...configs.keys()])].sort();
        return json(c, 200, { data: keys.map((key) => view(key, configs.get(key) ?? null)) });
      },
    ),

    defineRoute(
      {
        method: 'post',
        path: '/integrations',
        tag: 'Integrations',
        summary: 'Create an integration',
        description: 'Configures an integration: its catalog provider and OAuth app. For an integration declared in code, the provider must be the one the code names.',
        body: CreateIntegrationBody,
        responses: { 200: { description: 'Created', schema: IntegrationResponse } },
      },
      async ({ body, c }) => {
        refuseUnsupported(body);
        checkProvider(body.unique_key, body.provider, 'body.provider');
        if (await state.integrations.find(body.unique_key)) throw new ConflictError(`integration "${body.unique_key}" is configured already: PATCH it`);
        const at = now();
        const config: IntegrationConfig = {
          uniqueKey: body.unique_key,
          provider: body.provider,
          displayName: body.display_name ?? null,
          credentials: body.credentials ? toCredentials(body.credentials) : null,
          createdAt: at,
          updatedAt: at,
        };
        return json(c, 200, { data: await save(config) });
      },
    ),

    defineRoute(
      {
        method: 'get',
        path: '/integrations/{uniqueKey}',
        tag: 'Integrations',
        summary: 'Get an integration',
        description: 'With `include=credentials`, the OAuth app including its client secret (full-scope keys only; every read of it is logged).',
        params: IntegrationPath,
        query: GetIntegrationQuery,
        responses: { 200: { description: 'The integration', schema: IntegrationResponse } },
      },
      async ({ params, query, c }) => {
        const config = await exists(params.uniqueKey);
        if (!query.include.includes('credentials')) return json(c, 200, { data: view(params.uniqueKey, config) });
        if (!canReadSecrets(c.get('apiKey'))) throw new ApiError(403, 'forbidden', 'include=credentials needs an API key with the full scope');
        const full = await state.integrations.getWithSecrets(params.uniqueKey);
        deps.logger.log('info', `the client secret of integration "${params.uniqueKey}" was read`, { apiKeyId: c.get('apiKey')?.id, providerConfigKey: params.uniqueKey });
        const credentials = full?.credentials
          ? { type: full.credentials.type, client_id: full.credentials.clientId, client_secret: full.credentials.clientSecret, scopes: full.credentials.scopes.join(',') }
          : null;
        return json(c, 200, { data: { ...view(params.uniqueKey, config), credentials } });
      },
    ),

    defineRoute(
      {
        method: 'patch',
        path: '/integrations/{uniqueKey}',
        tag: 'Integrations',
        summary: 'Edit an integration',
        description: 'Changes the display name or the OAuth app. Renaming (another unique_key) is not supported.',
        params: IntegrationPath,
        body: UpdateIntegrationBody,
        responses: { 200: { description: 'Updated', schema: IntegrationResponse } },
      },
      async ({ params, body, c }) => {
        refuseUnsupported(body);
        if (body.unique_key !== undefined && body.unique_key !== params.uniqueKey) {
          throw new ApiError(400, 'invalid_body', 'renaming an integration is not supported: its connections and records are keyed by it', [
            { path: 'body.unique_key', message: 'must equal the path' },
          ]);
        }
        const existing = (await exists(params.uniqueKey)) ? await state.integrations.getWithSecrets(params.uniqueKey) : null;
        const provider = existing?.provider ?? registry.get(params.uniqueKey)!.providerName;
        const config: IntegrationConfig = {
          uniqueKey: params.uniqueKey,
          provider,
          displayName: body.display_name ?? existing?.displayName ?? null,
          credentials: body.credentials ? toCredentials(body.credentials) : (existing?.credentials ?? null),
          createdAt: existing?.createdAt ?? now(),
          updatedAt: now(),
        };
        return json(c, 200, { data: await save(config) });
      },
    ),

    defineRoute(
      {
        method: 'delete',
        path: '/integrations/{uniqueKey}',
        tag: 'Integrations',
        summary: 'Delete an integration',
        description: 'Removes its runtime configuration (the OAuth app). Syncs declared in code stay; remove them from the code.',
        params: IntegrationPath,
        responses: { 200: { description: 'Deleted', schema: SuccessResponse } },
      },
      async ({ params, c }) => {
        if (!(await state.integrations.delete(params.uniqueKey))) throw new NotFoundError(`integration "${params.uniqueKey}" has no runtime configuration`);
        return json(c, 200, { success: true });
      },
    ),
  ];
}

/** Nango fields Syncline cannot honour: fine when they ask for nothing, a 400 naming the field otherwise. */
function refuseUnsupported(body: z.output<typeof UpdateIntegrationBody>): void {
  const unsupported: [string, boolean][] = [
    ['forward_webhooks', body.forward_webhooks === true],
    ['integration_config', Object.keys(body.integration_config ?? {}).length > 0],
    ['custom', Object.keys(body.custom ?? {}).length > 0],
    ['credentials.webhook_secret', Boolean(body.credentials?.webhook_secret)],
  ];
  const refused = unsupported.filter(([, asked]) => asked).map(([field]) => field);
  if (refused.length === 0) return;
  throw new ApiError(
    400,
    'not_supported',
    `not supported: ${refused.join(', ')} (Syncline receives no provider webhooks and its catalog providers take no integration config); leave them out or empty`,
    refused.map((field) => ({ path: `body.${field}`, message: 'not supported' })),
  );
}

function toCredentials(input: z.output<typeof IntegrationCredentialsInput>): IntegrationCredentials {
  const scopes = input.scopes == null ? [] : Array.isArray(input.scopes) ? input.scopes : input.scopes.split(',');
  return { type: input.type, clientId: input.client_id, clientSecret: input.client_secret, scopes: scopes.map((s) => s.trim()).filter(Boolean) };
}
