/**
 * Connect sessions and the credential steps of the connect flow, over real HTTP against the API
 * on 127.0.0.1 with DynamoDB Local: the backend creates sessions with @nangohq/node, the "browser"
 * calls the API-key, basic and client-credentials steps exactly as @nangohq/frontend does (the
 * SDK itself, and plain fetch with its URL and body), and a token server on 127.0.0.1 plays the
 * provider's client-credentials endpoint.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import Nango from '@nangohq/frontend';
import { Nango as NangoNode } from '@nangohq/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stateKeys } from '../../functions/adapters/dynamodb/state/keys.js';
import { CONNECT_SESSION_RATE_LIMIT } from '../../functions/api/connect-session-auth.js';
import { CONNECT_SESSION_TTL_MS, hashConnectSessionToken } from '../../functions/engine/connect/connect-session.js';
import type { IntegrationDeclaration } from '../../functions/engine/integration.js';
import { API_KEY, type ApiKit, SANDBOX_KEY, startApiKit, VISIBILITY_LAG_MS } from '../support/api-kit.js';

const CLIENT_ID = 'cc-client-id';
const CLIENT_SECRET = 'cc-client-SECRET-5566';
const CC_TOKEN = 'cc-access-TOKEN-7788';
const PASSWORD = 'basic-PASSWORD-9911';

/** A provider's client-credentials token endpoint: checks the client (HTTP Basic) and the grant. */
interface TokenServer {
  url: string;
  requests: { authorization: string | undefined; form: URLSearchParams }[];
  fail: boolean;
  server: Server;
}

async function startTokenServer(): Promise<TokenServer> {
  const state: Omit<TokenServer, 'server' | 'url'> = { requests: [], fail: false };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      state.requests.push({ authorization: req.headers.authorization, form });
      const expected = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
      if (state.fail || req.headers.authorization !== expected || form.get('grant_type') !== 'client_credentials') {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client', error_description: `echo ${body}` }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: CC_TOKEN, token_type: 'bearer', expires_in: 3600 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
  return Object.assign(state, { server, url }) as TokenServer;
}

let kit: ApiKit;
let tokens: TokenServer;
let backend: NangoNode;

const integrations = (tokenUrl: string): IntegrationDeclaration[] => [
  {
    providerConfigKey: 'basic-app',
    provider: { displayName: 'Basic App', baseUrl: 'https://basic.example', auth: { mode: 'BASIC' } },
    syncs: {},
  },
  {
    providerConfigKey: 'cc-app',
    provider: { displayName: 'CC App', baseUrl: 'https://cc.example', auth: { mode: 'OAUTH2_CC', tokenUrl, tokenRequestAuth: 'basic', defaultScopes: ['read', 'write'] } },
    oauthClient: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    syncs: {},
  },
];

beforeAll(async () => {
  tokens = await startTokenServer();
  kit = await startApiKit({ integrations: integrations(tokens.url), allowLoopbackTokenUrl: true, initialContacts: 5 });
  backend = new NangoNode({ secretKey: API_KEY, host: kit.server.url });
}, 60_000);

afterAll(async () => {
  await kit?.stop();
  await new Promise((resolve) => tokens?.server.close(resolve));
});

beforeEach(() => {
  tokens.fail = false;
  kit.queue.take();
});

/** A session made by the backend with @nangohq/node. */
async function newSession(body: Parameters<NangoNode['createConnectSession']>[0] = { tags: { end_user_id: 'user-1', organization_id: 'org-1' } }) {
  const { data } = await backend.createConnectSession(body);
  return data;
}

/** The browser's side: Nango's frontend SDK pointed at Syncline. */
const frontend = (connectSessionToken: string) => new Nango({ host: kit.server.url, connectSessionToken });

/** A POST exactly as the frontend SDK's `triggerAuth` sends it: query string by hand, JSON body. */
async function sdkPost(path: string, token: string, params: Record<string, string>, body: unknown) {
  const query = [`connect_session_token=${token}`, ...Object.entries(params).map(([k, v]) => `params[${encodeURIComponent(k)}]=${encodeURIComponent(v)}`)].join('&');
  const response = await fetch(`${kit.server.url}${path}?${query}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

const connectionItem = async (providerConfigKey: string, connectionId: string) =>
  (await kit.doc.send(new GetCommand({ TableName: kit.tables.state, Key: stateKeys.connection(providerConfigKey, connectionId) }))).Item;

describe('creating a connect session (@nangohq/node)', () => {
  it('answers 201 with a token, a connect link on this host and a 30-minute expiry; only the hash is stored', async () => {
    const before = kit.clock.now();
    const data = await newSession({ tags: { end_user_id: 'user-1' }, allowed_integrations: ['demo-crm'] });
    expect(data.token).toMatch(/^nango_connect_session_[0-9a-f]{64}$/);
    expect(data.connect_link).toBe(`${kit.server.url}/connect?session_token=${data.token}`);
    const expiresAt = Date.parse(data.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + CONNECT_SESSION_TTL_MS);
    expect(expiresAt).toBeLessThanOrEqual(kit.clock.now() + CONNECT_SESSION_TTL_MS);

    const item = (await kit.doc.send(new GetCommand({ TableName: kit.tables.state, Key: stateKeys.connectSession(hashConnectSessionToken(data.token)) }))).Item;
    expect(item).toMatchObject({ kind: 'CONNECT_SESSION', tags: { end_user_id: 'user-1' }, allowedIntegrations: ['demo-crm'], ttl: Math.ceil(expiresAt / 1000) });
    const everything = JSON.stringify((await kit.doc.send(new ScanCommand({ TableName: kit.tables.state }))).Items);
    expect(everything).not.toContain(data.token.slice('nango_connect_session_'.length));
  });

  it('maps the deprecated end_user and organization to tags, explicit tags winning', async () => {
    const data = await newSession({
      end_user: { id: 'eu-1', email: 'ada@example.com', display_name: 'Ada' },
      organization: { id: 'org-9', display_name: 'Acme' },
      tags: { end_user_display_name: 'Ada L.' },
    });
    const answer = await kit.call('GET', '/connect/session', { key: data.token });
    expect(answer.status).toBe(200);
    expect(answer.body.data.tags).toEqual({
      end_user_id: 'eu-1',
      end_user_email: 'ada@example.com',
      end_user_display_name: 'Ada L.',
      organization_id: 'org-9',
      organization_display_name: 'Acme',
    });
    expect(answer.body.data.endUser).toEqual({ id: 'eu-1', email: 'ada@example.com', display_name: 'Ada L.', tags: null, organization: { id: 'org-9', display_name: 'Acme' } });
  });

  it('refuses unknown integrations (400 invalid_body, Nango) and needs connections:write', async () => {
    const unknown = await kit.call('POST', '/connect/sessions', { body: { tags: { a: 'b' }, allowed_integrations: ['demo-crm', 'nope'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'invalid_body', errors: [{ path: 'body.allowed_integrations.1' }] });
    const defaults = await kit.call('POST', '/connect/sessions', { body: { integrations_config_defaults: { nope: { connection_config: { a: 'b' } } } } });
    expect(defaults.status).toBe(400);

    const { body: created } = await kit.call('POST', '/api-keys', { body: { name: 'reader', scopes: ['connections:read'] } });
    const denied = await kit.call('POST', '/connect/sessions', { key: created.secret ?? created.data?.secret, body: { tags: { a: 'b' } } });
    expect(denied.status).toBe(403);
  });
});

describe('reading and ending a session with its token', () => {
  it("GET /connect/session gives Nango's fields and what the connect page shows, without the fields the session fixes", async () => {
    const data = await newSession({
      tags: { end_user_id: 'user-1' },
      allowed_integrations: ['demo-crm', 'basic-app'],
      integrations_config_defaults: { 'basic-app': { authorization_params: { prompt: 'consent' } } },
      overrides: { 'demo-crm': { docs_connect: 'https://docs.example/connect-demo' } },
    });
    const viaQuery = await kit.call('GET', '/connect/session', { key: null, query: { connect_session_token: data.token } });
    const viaBearer = await kit.call('GET', '/connect/session', { key: data.token });
    expect(viaQuery.status).toBe(200);
    expect(viaBearer.body).toEqual(viaQuery.body);
    expect(viaQuery.body.data).toMatchObject({
      allowed_integrations: ['demo-crm', 'basic-app'],
      integrations_config_defaults: { 'basic-app': { authorization_params: { prompt: 'consent' } } },
      expires_at: data.expires_at,
      connectUISettings: { showWatermark: false },
    });
    expect(viaQuery.body.data.isReconnecting).toBeUndefined();
    expect(viaQuery.body.data.integrations).toEqual([
      {
        unique_key: 'demo-crm',
        display_name: 'Demo CRM (local sandbox)',
        provider: 'demo-crm',
        auth_mode: 'API_KEY',
        logo: null,
        docs: 'https://docs.example/connect-demo',
        connection_config: [{ name: 'baseUrl', title: 'Sandbox URL', description: null, pattern: '^http://127\\.0\\.0\\.1:[0-9]+$', example: 'http://127.0.0.1:4010', optional: false }],
      },
      { unique_key: 'basic-app', display_name: 'Basic App', provider: 'basic-app', auth_mode: 'BASIC', logo: null, docs: null, connection_config: [] },
    ]);

    const fixed = await newSession({ tags: { a: 'b' }, allowed_integrations: ['demo-crm'], integrations_config_defaults: { 'demo-crm': { connection_config: { baseUrl: kit.sandbox.url } } } });
    const page = await kit.call('GET', '/connect/session', { key: fixed.token });
    expect(page.body.data.integrations[0].connection_config).toEqual([]);
  });

  it('answers 401 invalid_connect_session to a missing, malformed, unknown, expired or deleted token, and to an API key', async () => {
    const data = await newSession();
    const unknownToken = `nango_connect_session_${'ab'.repeat(32)}`;
    for (const key of [null, 'garbage', unknownToken, API_KEY]) {
      const answer = await kit.call('GET', '/connect/session', { key });
      expect(answer.status, String(key)).toBe(401);
      expect(answer.body.error.code).toBe('invalid_connect_session');
    }
    // A session token is no API key either.
    expect((await kit.call('GET', '/connections', { key: data.token })).status).toBe(401);

    const deleted = await kit.call('DELETE', '/connect/session', { key: data.token });
    expect(deleted.status).toBe(204);
    expect((await kit.call('GET', '/connect/session', { key: data.token })).status).toBe(401);

    const expiring = await newSession();
    kit.clock.advance(CONNECT_SESSION_TTL_MS - 1_000);
    expect((await kit.call('GET', '/connect/session', { key: expiring.token })).status).toBe(200);
    kit.clock.advance(2_000);
    const expired = await kit.call('GET', '/connect/session', { key: expiring.token });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('invalid_connect_session');
    const refused = await sdkPost('/api-auth/api-key/demo-crm', expiring.token, { baseUrl: kit.sandbox.url }, { apiKey: SANDBOX_KEY });
    expect(refused.status).toBe(401);
  });

  it('answers CORS preflights of the session routes (the frontend SDK calls them from the app\u2019s origin)', async () => {
    const response = await fetch(`${kit.server.url}/api-auth/api-key/demo-crm`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    // API-key routes get no CORS answer: a preflight there is a 401 like any keyless call.
    expect((await fetch(`${kit.server.url}/connections`, { method: 'OPTIONS', headers: { Origin: 'https://app.example' } })).status).toBe(401);
  });

  it(`rate-limits each session (${CONNECT_SESSION_RATE_LIMIT.burst} requests at once, then ${CONNECT_SESSION_RATE_LIMIT.perMinute} a minute)`, async () => {
    const data = await newSession();
    const other = await newSession();
    for (let i = 0; i < CONNECT_SESSION_RATE_LIMIT.burst; i++) expect((await kit.call('GET', '/connect/session', { key: data.token })).status).toBe(200);
    const limited = await kit.call('GET', '/connect/session', { key: data.token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('10');
    expect((await kit.call('GET', '/connect/session', { key: other.token })).status).toBe(200);
    kit.clock.advance(60_000 / CONNECT_SESSION_RATE_LIMIT.perMinute + 10);
    expect((await kit.call('GET', '/connect/session', { key: data.token })).status).toBe(200);
  });
});

describe('connecting with an API key, as the frontend SDK does', () => {
  it('creates the connection with the session tags, queues its auto-start syncs at once, and the syncs run with the key', async () => {
    const data = await newSession({ tags: { end_user_id: 'user-1', organization_id: 'org-1' }, allowed_integrations: ['demo-crm'] });
    // A field the provider does not declare (here one a base URL could read) is dropped: only the backend's session may set it.
    const result = await frontend(data.token).auth('demo-crm', { credentials: { apiKey: SANDBOX_KEY }, params: { baseUrl: kit.sandbox.url, instance_url: 'https://elsewhere.example' } });
    expect(result.providerConfigKey).toBe('demo-crm');
    expect(result.connectionId).toMatch(/^[0-9a-f-]{36}$/);

    // Queued by the connect call itself, not at the next schedule tick.
    const queued = kit.queue.messages.filter((m) => m.connectionId === result.connectionId);
    expect(queued.map((m) => m.syncName).sort()).toEqual(['contacts', 'notes']);

    const connection = await kit.call('GET', `/connections/${result.connectionId}`, { query: { provider_config_key: 'demo-crm' } });
    expect(connection.status).toBe(200);
    expect(connection.body.tags).toEqual({ end_user_id: 'user-1', organization_id: 'org-1' });
    expect(connection.body.connection_config).toEqual({ baseUrl: kit.sandbox.url });
    expect(connection.body.credentials).toMatchObject({ type: 'API_KEY', apiKey: SANDBOX_KEY });

    // Stored sealed, with the connect event the stream turns into the auth webhook.
    const item = await connectionItem('demo-crm', result.connectionId);
    expect(JSON.stringify(item)).not.toContain(SANDBOX_KEY);
    expect(item?.['authEvent']).toEqual({ operation: 'creation', at: expect.any(String) });

    await kit.drain();
    kit.clock.advance(VISIBILITY_LAG_MS + 1_000);
    const records = await kit.call('GET', '/records', { query: { model: 'Contact' }, headers: { 'Connection-Id': result.connectionId, 'Provider-Config-Key': 'demo-crm' } });
    expect(records.status).toBe(200);
    // The sandbox adds contacts as its clock moves: at least the initial ones arrived.
    expect(records.body.records.length).toBeGreaterThanOrEqual(5);
  });

  it('lets one session connect several times (Nango keeps sessions until they expire)', async () => {
    const data = await newSession({ tags: { end_user_id: 'user-2' } });
    const first = await sdkPost('/api-auth/api-key/demo-crm', data.token, { baseUrl: kit.sandbox.url }, { apiKey: SANDBOX_KEY });
    const second = await sdkPost('/api-auth/basic/basic-app', data.token, {}, { username: 'ada', password: PASSWORD });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ connectionId: expect.any(String), providerConfigKey: 'basic-app' });
    const basic = await kit.call('GET', `/connections/${second.body.connectionId}`, { query: { provider_config_key: 'basic-app' } });
    expect(basic.body.credentials).toMatchObject({ type: 'BASIC', username: 'ada', password: PASSWORD });
    expect(basic.body.tags).toEqual({ end_user_id: 'user-2' });
  });

  it('refuses what the session or the provider does not allow, creating nothing', async () => {
    const onlyBasic = await newSession({ tags: { a: 'b' }, allowed_integrations: ['basic-app'] });
    const any = await newSession({ tags: { a: 'b' } });
    const before = (await kit.call('GET', '/connections')).body.connections.length;

    const cases: [string, string, Record<string, string>, unknown, number, string][] = [
      ['/api-auth/api-key/demo-crm', onlyBasic.token, { baseUrl: kit.sandbox.url }, { apiKey: SANDBOX_KEY }, 400, 'integration_not_allowed'],
      ['/api-auth/basic/demo-crm', any.token, { baseUrl: kit.sandbox.url }, { username: 'a', password: 'b' }, 400, 'invalid_auth_mode'],
      ['/api-auth/api-key/demo-crm', any.token, { baseUrl: 'https://evil.example' }, { apiKey: SANDBOX_KEY }, 400, 'invalid_connection_config'],
      ['/api-auth/api-key/demo-crm', any.token, {}, { apiKey: SANDBOX_KEY }, 400, 'invalid_connection_config'],
      ['/api-auth/api-key/demo-crm', any.token, { baseUrl: kit.sandbox.url }, { apiKey: '' }, 400, 'invalid_request'],
      ['/api-auth/api-key/nope', any.token, {}, { apiKey: SANDBOX_KEY }, 404, 'unknown_provider_config'],
    ];
    for (const [path, token, params, body, status, code] of cases) {
      const answer = await sdkPost(path, token, params, body);
      expect(answer.status, `${path} ${JSON.stringify(params)}`).toBe(status);
      expect(answer.body.error.code, path).toBe(code);
    }
    const withId = await fetch(`${kit.server.url}/api-auth/api-key/demo-crm?connect_session_token=${any.token}&connection_id=mine&params[baseUrl]=${encodeURIComponent(kit.sandbox.url)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiKey: SANDBOX_KEY }),
    });
    expect(withId.status).toBe(400);

    // The SDK turns the error into an AuthError with Nango's code.
    await expect(frontend(onlyBasic.token).auth('demo-crm', { credentials: { apiKey: SANDBOX_KEY }, params: { baseUrl: kit.sandbox.url } })).rejects.toMatchObject({
      type: 'integration_not_allowed',
    });
    expect((await kit.call('GET', '/connections')).body.connections.length).toBe(before);
  });
});

describe('connecting with OAuth2 client credentials', () => {
  it("gets a token with the integration's client at the provider's token URL and stores it as an OAuth2 token", async () => {
    const data = await newSession({ tags: { end_user_id: 'user-3' }, allowed_integrations: ['cc-app'] });
    tokens.requests.length = 0;
    const result = await frontend(data.token).auth('cc-app', { credentials: { client_id: CLIENT_ID, client_secret: 'ignored-by-syncline' } });
    expect(result.providerConfigKey).toBe('cc-app');
    expect(tokens.requests).toHaveLength(1);
    expect(tokens.requests[0]!.form.get('scope')).toBe('read write');
    const connection = await kit.call('GET', `/connections/${result.connectionId}`, { query: { provider_config_key: 'cc-app' } });
    expect(connection.body.credentials).toMatchObject({ type: 'OAUTH2', access_token: CC_TOKEN });
    expect(connection.body.tags).toEqual({ end_user_id: 'user-3' });
  });

  it('refuses another client id, and a refused token request creates nothing (no provider text echoed)', async () => {
    const data = await newSession({ tags: { end_user_id: 'user-4' }, allowed_integrations: ['cc-app'] });
    const other = await sdkPost('/oauth2/auth/cc-app', data.token, {}, { client_id: 'someone-else', client_secret: 'x' });
    expect(other.status).toBe(400);
    expect(other.body.error.code).toBe('invalid_client_credentials');

    tokens.fail = true;
    const failed = await sdkPost('/oauth2/auth/cc-app', data.token, {}, {});
    expect(failed.status).toBe(400);
    expect(failed.body.error.code).toBe('token_request_failed');
    expect(failed.body.error.message).toContain('HTTP 401 (invalid_client)');
    expect(JSON.stringify(failed.body)).not.toContain('echo');
    const listed = await kit.call('GET', '/connections', { query: { integrationId: 'cc-app' } });
    expect(listed.body.connections.filter((c: { tags?: Record<string, string> }) => c.tags?.['end_user_id'] === 'user-4')).toEqual([]);
  });

  it("needs the session to name the integration: a session open to every integration does not get the app's service token", async () => {
    const open = await newSession({ tags: { end_user_id: 'user-6' } });
    tokens.requests.length = 0;
    const refused = await sdkPost('/oauth2/auth/cc-app', open.token, {}, {});
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('integration_not_allowed');
    expect(tokens.requests).toHaveLength(0);
  });
});

describe('re-authorizing a connection with a reconnect session', () => {
  it('overrides the credentials and keeps the id, metadata and tags; unknown connections are a 400', async () => {
    const created = await newSession({ tags: { end_user_id: 'user-5' }, allowed_integrations: ['demo-crm'] });
    const first = await sdkPost('/api-auth/api-key/demo-crm', created.token, { baseUrl: kit.sandbox.url }, { apiKey: 'old-key' });
    const { connectionId } = first.body;
    await kit.call('POST', `/connection/${connectionId}/metadata`, { body: { plan: 'pro' }, query: { provider_config_key: 'demo-crm' }, headers: { 'Provider-Config-Key': 'demo-crm' } });
    kit.queue.take();
    kit.clock.advance(1_000);

    const { data } = await backend.createReconnectSession({ connection_id: connectionId, integration_id: 'demo-crm' });
    const page = await kit.call('GET', '/connect/session', { key: data.token });
    expect(page.body.data).toMatchObject({ isReconnecting: true, allowed_integrations: ['demo-crm'] });

    const again = await frontend(data.token).auth('demo-crm', { credentials: { apiKey: SANDBOX_KEY }, params: { baseUrl: kit.sandbox.url } });
    expect(again.connectionId).toBe(connectionId);
    const connection = await kit.call('GET', `/connections/${connectionId}`, { query: { provider_config_key: 'demo-crm' } });
    expect(connection.body.credentials).toMatchObject({ apiKey: SANDBOX_KEY });
    expect(connection.body.tags).toEqual({ end_user_id: 'user-5' });
    expect(connection.body.metadata).toEqual({ plan: 'pro' });
    expect((await connectionItem('demo-crm', connectionId))?.['authEvent']).toEqual({ operation: 'override', at: expect.any(String) });
    // An existing connection's syncs are already scheduled: nothing new is queued.
    expect(kit.queue.messages).toEqual([]);

    // The reconnect session is for that integration only.
    expect((await sdkPost('/api-auth/basic/basic-app', data.token, {}, { username: 'a', password: 'b' })).body.error.code).toBe('integration_not_allowed');

    const unknown = await kit.call('POST', '/connect/sessions/reconnect', { body: { connection_id: 'nope', integration_id: 'demo-crm' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('invalid_body');
  });

  it('refuses a reconnect whose connection was deleted meanwhile', async () => {
    const created = await newSession({ tags: { a: 'b' } });
    const { body } = await sdkPost('/api-auth/api-key/demo-crm', created.token, { baseUrl: kit.sandbox.url }, { apiKey: SANDBOX_KEY });
    const { data } = await backend.createReconnectSession({ connection_id: body.connectionId, integration_id: 'demo-crm' });
    expect((await kit.call('DELETE', `/connections/${body.connectionId}`, { query: { provider_config_key: 'demo-crm' } })).status).toBe(200);
    const answer = await sdkPost('/api-auth/api-key/demo-crm', data.token, { baseUrl: kit.sandbox.url }, { apiKey: SANDBOX_KEY });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_connection');
    expect(await connectionItem('demo-crm', body.connectionId)).toBeUndefined();
  });
});

describe('secrets', () => {
  it('never logs a session token, API key, password, client secret or access token', () => {
    const text = JSON.stringify(kit.logs);
    for (const secret of [SANDBOX_KEY, PASSWORD, CLIENT_SECRET, CC_TOKEN, 'nango_connect_session_']) expect(text).not.toContain(secret);
    expect(kit.logs.some((l) => l.message.startsWith('POST /api-auth/api-key/demo-crm 200'))).toBe(true);
  });
});
