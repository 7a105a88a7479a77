/**
 * The credential steps of the connect flow, called from the end user's browser with a connect
 * session token exactly as Nango's frontend SDK calls them (`packages/frontend/lib/index.ts`):
 * `POST /api-auth/api-key/{key}` with `{apiKey}`, `POST /api-auth/basic/{key}` with
 * `{username, password}`, `POST /oauth2/auth/{key}` (client credentials); the session token as
 * `connect_session_token` and connection config as `params[name]=value` in the query. Each
 * answers Nango's `{providerConfigKey, connectionId}` and ends in `completeConnect`.
 *
 * Nango can verify the credentials by a provider-declared test request; Syncline's catalog
 * declares none, so API keys and passwords are stored as given (encrypted) and a wrong one shows
 * up as an auth error on the first sync.
 */
import * as z from 'zod';
import { connectWithClientCredentials } from '../../engine/connect/client-credentials.js';
import { completeConnect, ConnectRefusedError } from '../../engine/connect/complete-connect.js';
import type { Credentials } from '../../engine/connection.js';
import { NotFoundError } from '../../engine/errors.js';
import { declaredFieldsOf } from '../../engine/providers/connection-config.js';
import type { ProviderAuthMode } from '../../engine/providers/provider.js';
import type { ApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { type ApiRoute, connectSessionOf, deepObjectParam, defineRoute } from '../route.js';
import { ProviderConfigKey } from '../schemas.js';

const TAG = 'Connect';

const AuthPath = z.object({ providerConfigKey: ProviderConfigKey });

const AuthQuery = z.object({
  // The description goes on the inner schema: `deepObjectParam`'s marker is on the schema it returns.
  params: deepObjectParam(z.record(z.string().max(64), z.string().max(1024)).meta({ description: 'Connection config as the end user filled it in: `params[subdomain]=acme`' })),
  connection_id: z.string().optional().meta({ description: 'Refused: a connect session creates its own connection id (as on Nango)' }),
});

const ConnectAnswer = z.object({ connectionId: z.string(), providerConfigKey: z.string() });

const ApiKeyBody = z.object({ apiKey: z.string().min(1).max(1024) }).strict();
// No minimum: some providers take only a username, others only a password (Nango's rule too).
const BasicBody = z.object({ username: z.string().max(1024), password: z.string().max(1024) }).strict();
const ClientCredentialsBody = z
  .object({
    client_id: z.string().max(1024).optional(),
    client_secret: z.string().max(1024).optional(),
    client_certificate: z.string().optional(),
    client_private_key: z.string().optional(),
  })
  .strict()
  .optional();

export function apiAuthRoutes(deps: ApiDeps): ApiRoute[] {
  const { registry, state, connections } = deps.syncline;
  const completeDeps = { registry, state, connections, clock: deps.clock };

  /** The integration, when its provider uses `mode` (Nango: 404 unknown integration, 400 `invalid_auth_mode`). */
  const integrationUsing = (providerConfigKey: string, mode: ProviderAuthMode) => {
    const integration = registry.get(providerConfigKey);
    if (!integration) throw new ApiError(404, 'unknown_provider_config', `unknown integration "${providerConfigKey}"`);
    if (integration.provider.auth.mode !== mode)
      throw new ApiError(400, 'invalid_auth_mode', `the integration "${providerConfigKey}" does not use ${mode} (it uses ${integration.provider.auth.mode})`);
    return integration;
  };

  const refuseConnectionId = (query: { connection_id?: string | undefined }) => {
    if (query.connection_id !== undefined) {
      throw new ApiError(400, 'invalid_query_params', 'connection_id is forbidden when using session token', [
        { path: 'query.connection_id', message: 'connection_id is forbidden when using session token' },
      ]);
    }
  };

  const apiKey = defineRoute(
    {
      method: 'post',
      path: '/api-auth/api-key/{providerConfigKey}',
      tag: TAG,
      auth: 'connect_session',
      summary: 'Connect with an API key',
      description: 'The end user\u2019s API key for an `API_KEY` integration; stored encrypted, never shown again. Creates the connection (or re-authorizes it, for a reconnect session).',
      params: AuthPath,
      query: AuthQuery,
      body: ApiKeyBody,
      responses: { 200: { description: 'Connected', schema: ConnectAnswer } },
    },
    async ({ params, query, body, c }) => {
      refuseConnectionId(query);
      const integration = integrationUsing(params.providerConfigKey, 'API_KEY');
      const config = declaredFieldsOf(integration.provider.connectionConfig, query.params);
      return connected(c, () => completeConnect(completeDeps, connectSessionOf(c), withCredentials(params.providerConfigKey, config, { type: 'API_KEY', apiKey: body.apiKey })));
    },
  );

  const basic = defineRoute(
    {
      method: 'post',
      path: '/api-auth/basic/{providerConfigKey}',
      tag: TAG,
      auth: 'connect_session',
      summary: 'Connect with a username and password',
      description: 'The end user\u2019s username and password for a `BASIC` integration; stored encrypted, never shown again.',
      params: AuthPath,
      query: AuthQuery,
      body: BasicBody,
      responses: { 200: { description: 'Connected', schema: ConnectAnswer } },
    },
    async ({ params, query, body, c }) => {
      refuseConnectionId(query);
      const integration = integrationUsing(params.providerConfigKey, 'BASIC');
      const config = declaredFieldsOf(integration.provider.connectionConfig, query.params);
      if (body.username === '' && body.password === '') throw new ApiError(400, 'invalid_body', 'give a username, a password or both', [{ path: 'body', message: 'both are empty' }]);
      return connected(c, () =>
        completeConnect(completeDeps, connectSessionOf(c), withCredentials(params.providerConfigKey, config, { type: 'BASIC', username: body.username, password: body.password })),
      );
    },
  );

  const clientCredentials = defineRoute(
    {
      method: 'post',
      path: '/oauth2/auth/{providerConfigKey}',
      tag: TAG,
      auth: 'connect_session',
      summary: 'Connect with OAuth2 client credentials',
      description:
        'For an `OAUTH2_CC` integration: Syncline asks the provider\u2019s token URL for a token with the integration\u2019s OAuth client (never the browser\u2019s), then creates the connection. A body naming another `client_id` is refused: per-connection clients are not supported.',
      params: AuthPath,
      query: AuthQuery,
      body: ClientCredentialsBody,
      responses: { 200: { description: 'Connected', schema: ConnectAnswer } },
    },
    async ({ params, query, body, c }) => {
      refuseConnectionId(query);
      const integration = integrationUsing(params.providerConfigKey, 'OAUTH2_CC');
      return connected(c, () =>
        connectWithClientCredentials(
          { ...completeDeps, integrations: state.integrations, authFailures: state.authFailures, logger: deps.logger, allowLoopbackHttp: deps.allowLoopbackTokenUrl ?? false },
          connectSessionOf(c),
          {
            providerConfigKey: params.providerConfigKey,
            connectionConfig: declaredFieldsOf(integration.provider.connectionConfig, query.params),
            clientId: body?.client_id,
          },
        ),
      );
    },
  );

  return [apiKey, basic, clientCredentials];
}

function withCredentials(providerConfigKey: string, connectionConfig: Record<string, string>, credentials: Credentials) {
  return { providerConfigKey, credentials, connectionConfig };
}

/** Runs the connect step and answers Nango's 200 `{connectionId, providerConfigKey}`; a refusal is a 400 with its code. */
async function connected(c: Parameters<typeof connectSessionOf>[0], step: () => Promise<{ providerConfigKey: string; connectionId: string }>): Promise<Response> {
  try {
    const { connectionId, providerConfigKey } = await step();
    return c.json({ connectionId, providerConfigKey }, 200);
  } catch (error) {
    if (error instanceof ConnectRefusedError) {
      // Nango answers 400 for each, `integration_not_allowed` included.
      throw new ApiError(
        400,
        error.code,
        error.message,
        error.problems.map((p) => ({ path: `query.params.${p.field}`, message: p.message })),
      );
    }
    if (error instanceof NotFoundError) throw new ApiError(404, 'unknown_provider_config', error.message);
    throw error;
  }
}
