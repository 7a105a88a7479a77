/**
 * Connect sessions, as Nango's API has them (`controllers/connect/`): the app's backend creates
 * one with an API key (`POST /connect/sessions`, or `/connect/sessions/reconnect` to let the end
 * user re-authorize one connection); the end user's browser then reads and ends it with the
 * session token (`GET` / `DELETE /connect/session`). The token is shown once, in the 201; only
 * its hash is stored. `GET /connect/session` also gives what the hosted connect page shows.
 */
import { randomUUID } from 'node:crypto';
import { type ConnectSession, CONNECT_SESSION_TTL_MS, hashConnectSessionToken, newConnectSessionToken } from '../../engine/connect/connect-session.js';
import { endUserFromTags, mergeEndUserTags } from '../../engine/connection-tags.js';
import type { Integration } from '../../engine/integration.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, type FieldError, invalidRequest } from '../errors.js';
import { type ApiContext, type ApiRoute, connectSessionOf, defineRoute, json } from '../route.js';
import { iso } from '../schemas.js';
import { CreateSessionBody, GetSessionResponse, ReconnectSessionBody, SessionCreatedResponse, type SessionInput } from './connect-sessions.schemas.js';

const TAG = 'Connect';

export function connectSessionsRoutes(deps: ApiDeps): ApiRoute[] {
  const { registry, state } = deps.syncline;

  /** Stores a new session and answers Nango's 201. */
  const createSession = async (c: ApiContext, body: SessionInput, scope: Pick<ConnectSession, 'allowedIntegrations' | 'reconnect'>, tags: Record<string, string>) => {
    const token = newConnectSessionToken();
    const now = deps.clock.now();
    const session: ConnectSession = {
      id: randomUUID(),
      tokenHash: hashConnectSessionToken(token),
      tags,
      ...scope,
      integrationsConfigDefaults: Object.fromEntries(
        Object.entries(body.integrations_config_defaults ?? {}).map(([key, value]) => [
          key,
          {
            ...(value.user_scopes !== undefined ? { userScopes: splitScopes(value.user_scopes) } : {}),
            ...(value.authorization_params ? { authorizationParams: value.authorization_params } : {}),
            ...(value.connection_config ? { connectionConfig: value.connection_config } : {}),
          },
        ]),
      ),
      ...(body.overrides ? { docsOverrides: Object.fromEntries(Object.entries(body.overrides).flatMap(([key, o]) => (o.docs_connect ? [[key, o.docs_connect]] : []))) } : {}),
      createdAt: now,
      expiresAt: now + CONNECT_SESSION_TTL_MS,
    };
    await state.connectSessions.put(session);
    const connectLink = new URL('/connect', publicBase(deps, c));
    connectLink.searchParams.set('session_token', token);
    return json(c, 201, { data: { token, connect_link: connectLink.toString(), expires_at: iso(session.expiresAt) } });
  };

  /** Every integration a body names must exist (Nango: 400 `invalid_body`, one error per unknown key). */
  const assertIntegrationsExist = (body: SessionInput, allowed: string[] | undefined) => {
    const errors: FieldError[] = [];
    allowed?.forEach((key, i) => {
      if (!registry.get(key)) errors.push({ path: `body.allowed_integrations.${i}`, message: `Integration does not exist: ${key}` });
    });
    for (const [field, record] of [
      ['integrations_config_defaults', body.integrations_config_defaults],
      ['overrides', body.overrides],
    ] as const) {
      for (const key of Object.keys(record ?? {})) if (!registry.get(key)) errors.push({ path: `body.${field}.${key}`, message: `Integration does not exist: ${key}` });
    }
    if (errors.length > 0) throw new ApiError(400, 'invalid_body', 'unknown integration(s)', errors);
    if (body.webhook_url_override !== undefined) {
      throw new ApiError(400, 'invalid_body', 'webhook_url_override is not supported: auth webhooks go to the webhook subscriptions (/webhooks)', [
        { path: 'body.webhook_url_override', message: 'not supported' },
      ]);
    }
  };

  const create = defineRoute(
    {
      method: 'post',
      path: '/connect/sessions',
      tag: TAG,
      summary: 'Create a connect session',
      description:
        'A 30-minute session with which an end user connects an account: pass its `token` to the frontend SDK (`new Nango({connectSessionToken})`) or send the end user to `connect_link`. The connection is created with the session\u2019s `tags` (or the deprecated `end_user` / `organization`, mapped to tags). The session stays usable, for any allowed integration, until it expires or is deleted.',
      body: CreateSessionBody,
      responses: { 201: { description: 'Created', schema: SessionCreatedResponse } },
    },
    async ({ body, c }) => {
      assertIntegrationsExist(body, body.allowed_integrations);
      const tags = sessionTags(body);
      return createSession(c, body, { allowedIntegrations: body.allowed_integrations ? [...new Set(body.allowed_integrations)] : null, reconnect: null }, tags);
    },
  );

  const reconnect = defineRoute(
    {
      method: 'post',
      path: '/connect/sessions/reconnect',
      tag: TAG,
      summary: 'Create a connect session to re-authorize a connection',
      description:
        'A session limited to one existing connection: the end user gives new credentials (or consents again) and the connection keeps its id, metadata and tags (an `auth` webhook with `operation: override` follows). An unknown connection is a 400, as on Nango.',
      body: ReconnectSessionBody,
      responses: { 201: { description: 'Created', schema: SessionCreatedResponse } },
    },
    async ({ body, c }) => {
      assertIntegrationsExist(body, [body.integration_id]);
      const connection = await state.connections.find(body.integration_id, body.connection_id);
      if (!connection) throw new ApiError(400, 'invalid_body', 'ConnectionID or IntegrationId does not exists');
      const tags = sessionTags(body);
      return createSession(
        c,
        body,
        { allowedIntegrations: [body.integration_id], reconnect: { providerConfigKey: body.integration_id, connectionId: body.connection_id } },
        Object.keys(tags).length > 0 ? tags : (connection.tags ?? {}),
      );
    },
  );

  const get = defineRoute(
    {
      method: 'get',
      path: '/connect/session',
      tag: TAG,
      auth: 'connect_session',
      summary: 'Get the connect session',
      description:
        'With the session token (`connect_session_token` query parameter or `Authorization: Bearer`). Nango\u2019s answer, plus `integrations`: what the hosted connect page shows for each integration the session allows (name, provider, auth mode, docs link, and the connection-config fields to fill in).',
      responses: { 200: { description: 'The session', schema: GetSessionResponse } },
    },
    async ({ c }) => {
      const session = connectSessionOf(c);
      const keys = session.allowedIntegrations ?? registry.all().map((i) => i.providerConfigKey);
      const integrations = [];
      for (const key of keys) {
        const integration = registry.get(key);
        if (integration) integrations.push(await describeIntegration(deps, session, integration));
      }
      const defaults = Object.entries(session.integrationsConfigDefaults);
      return c.json(
        {
          data: {
            endUser: endUserFromTags(session.tags),
            tags: session.tags,
            connectUISettings: { showWatermark: false, defaultTheme: 'system' },
            ...(session.allowedIntegrations ? { allowed_integrations: session.allowedIntegrations } : {}),
            ...(defaults.length > 0
              ? {
                  integrations_config_defaults: Object.fromEntries(
                    defaults.map(([key, d]) => [
                      key,
                      { ...(d.connectionConfig ? { connection_config: d.connectionConfig } : {}), ...(d.authorizationParams ? { authorization_params: d.authorizationParams } : {}) },
                    ]),
                  ),
                }
              : {}),
            ...(session.reconnect ? { isReconnecting: true } : {}),
            expires_at: iso(session.expiresAt),
            integrations,
          },
        },
        200,
      );
    },
  );

  const remove = defineRoute(
    {
      method: 'delete',
      path: '/connect/session',
      tag: TAG,
      auth: 'connect_session',
      summary: 'End the connect session',
      description: 'With the session token; the token is refused from then on.',
      responses: { 204: { description: 'Deleted' } },
    },
    async ({ c }) => {
      await state.connectSessions.deleteByTokenHash(connectSessionOf(c).tokenHash);
      return c.body(null, 204);
    },
  );

  return [create, reconnect, get, remove];
}

/** The session's tags: explicit `tags` over the deprecated `end_user` and `organization` (connection-tags.ts). */
function sessionTags(body: SessionInput): Record<string, string> {
  const organizationTags: Record<string, string> = {};
  if (body.organization?.id) organizationTags['organization_id'] = body.organization.id;
  if (body.organization?.display_name) organizationTags['organization_display_name'] = body.organization.display_name;
  const merged = mergeEndUserTags(body.end_user, { ...organizationTags, ...body.tags });
  if (!merged.success) throw invalidRequest('body', merged.error);
  return merged.data;
}

function splitScopes(scopes: string): string[] {
  return scopes
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Where the connect page is served: the configured public URL, else the origin this request came to. */
export function publicBase(deps: Pick<ApiDeps, 'publicUrl'>, c: ApiContext): string {
  const base = deps.publicUrl ?? new URL(c.req.url).origin;
  return base.endsWith('/') ? base : `${base}/`;
}

async function describeIntegration(deps: ApiDeps, session: ConnectSession, integration: Integration) {
  const config = await deps.syncline.state.integrations.find(integration.providerConfigKey);
  const fixed = session.integrationsConfigDefaults[integration.providerConfigKey]?.connectionConfig ?? {};
  const { provider } = integration;
  return {
    unique_key: integration.providerConfigKey,
    display_name: config?.displayName ?? provider.displayName ?? integration.providerConfigKey,
    provider: integration.providerName,
    auth_mode: provider.auth.mode,
    logo: null,
    docs: session.docsOverrides?.[integration.providerConfigKey] ?? provider.docs ?? null,
    connection_config: Object.entries(provider.connectionConfig)
      .filter(([name]) => !Object.hasOwn(fixed, name))
      .map(([name, field]) => ({
        name,
        title: field.title,
        description: field.description ?? null,
        pattern: field.pattern ?? null,
        example: field.example ?? null,
        optional: field.optional,
      })),
  };
}
